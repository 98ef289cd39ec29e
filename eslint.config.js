// Lint for what the type checker does not catch: unused code, floating promises, suspicious
// patterns. Formatting is left to the editor.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The engines' folders under src/engines/; src/engines/shared/ holds what several engines use. */
const engines = ['postgres', 'sqlite', 'mysql'];

/**
 * No engine imports another (STYLE.md), and shared/ imports no engine; manifest, diff and plan
 * import no engine folder at all: what they need of an engine comes through the interfaces of
 * src/engines/types.ts. Dynamic import() (src/engines/index.ts) is how engines are loaded.
 */
function engineBoundaries() {
  const forbid = (files, folders, message) => {
    const names = folders.join('|');
    const regex = `(^|/)engines/(${names})/|(^|/)\\.\\./(${names})/`;
    return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] } };
  };
  return [
    ...engines.map((engine) =>
      forbid([`src/engines/${engine}/**/*.ts`], engines.filter((other) => other !== engine), 'an engine imports no other engine: share through src/engines/shared/'),
    ),
    forbid(['src/engines/shared/**/*.ts'], engines, 'src/engines/shared/ imports no engine'),
    forbid(['src/manifest/**/*.ts', 'src/diff/**/*.ts', 'src/plan/**/*.ts'], [...engines, 'shared'], 'manifest, diff and plan reach an engine only through src/engines/types.ts'),
    // An engine's internal/ is its own (CONTRIBUTING.md, "Adding an engine").
    {
      files: ['src/**/*.ts'],
      ignores: ['src/engines/**', 'src/manifest/**', 'src/diff/**', 'src/plan/**'],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)engines/[^/]+/internal/', message: "an engine's internal/ is imported only by that engine" }] }] },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Names and SQL text are checked for control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  ...engineBoundaries(),
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
