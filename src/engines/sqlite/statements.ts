/**
 * None: each statement of a step is prepared and run on its own, so no text can carry a second
 * statement (DatabaseAdapter.checkPlannedStatements is absent).
 */
export const checkPlannedStatements = undefined;
