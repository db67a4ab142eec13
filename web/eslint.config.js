// ESLint finds this file first for web/: the root rules, minus the build output, and the
// typed rules the root applies to .ts extended to .tsx.
import root from '../eslint.config.js';

const typed = root.find((entry) => entry.files?.length === 1 && entry.files[0] === '**/*.ts');

export default [
  { ignores: ['dist/'] },
  ...root,
  {
    ...typed,
    files: ['**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
];
