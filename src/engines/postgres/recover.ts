/**
 * None: the server rolls back what a killed writer left unfinished by itself, so every read that
 * follows sees the tenant whole (DatabaseAdapter.recoverTenants is absent).
 */
export const recoverTenants = undefined;
