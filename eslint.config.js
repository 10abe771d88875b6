import { readdirSync, existsSync } from 'node:fs';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Every package of the workspace (a folder with a package.json under apps, libs, tools; deploy). */
const packages = [...['apps', 'libs', 'tools'].flatMap((group) => readdirSync(group).map((name) => `${group}/${name}`)), 'deploy'].filter((dir) =>
  existsSync(`${dir}/package.json`),
);
const testFiles = ['**/*.test.ts', '**/test/**/*.ts', '**/vitest.config.ts'];

/**
 * Each package declares what its code imports in its own package.json (no import that only works
 * because npm hoisted someone else's dependency); its tests may also use the root's devDependencies
 * (vitest).
 */
const declaredImports = packages.flatMap((dir) => [
  {
    files: [`${dir}/**/*.ts`],
    ignores: testFiles.map((g) => `${dir}/${g}`),
    rules: { 'import-x/no-extraneous-dependencies': ['error', { packageDir: [dir], devDependencies: false, includeTypes: true }] },
  },
  {
    files: testFiles.map((g) => `${dir}/${g}`),
    rules: { 'import-x/no-extraneous-dependencies': ['error', { packageDir: [dir, '.'], devDependencies: true, includeTypes: true }] },
  },
]);

export default [
  { ignores: ['**/node_modules', '**/dist', 'tmp', '.nx', '**/*.js', '**/public/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    // Type-aware rules read each file's types through the TypeScript project service.
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      // So that no-cycle follows imports into TypeScript files.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // A promise nobody awaits loses its rejection (unhandled) and its ordering; `void` says it is meant.
      '@typescript-eslint/no-floating-promises': 'error',
      // Import circles make load order matter and hide who owns what.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:testing', 'type:tool', 'type:app'] },
          ],
        },
      ],
    },
  },
  {
    // libs/testing starts real servers for tests; production code never imports it.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@halo/testing', message: 'libs/testing is for tests only.' }] }],
    },
  },
  ...declaredImports,
  {
    // The server's core knows no plugin: it reads what their handlers declare. Only index.ts (the public
    // API) and plugins.ts (the ordered list) import plugins; and no plugin imports another.
    files: ['libs/server/src/*.ts', 'libs/server/src/proxy/*.ts'],
    ignores: ['**/*.test.ts', 'libs/server/src/index.ts', 'libs/server/src/plugins.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@halo/testing', message: 'libs/testing is for tests only.' }],
          patterns: [{ regex: '(^|/)plugins/', message: 'the server core imports no plugin: declare a capability on the Handler instead (types.ts).' }],
        },
      ],
    },
  },
  {
    // The bus's two parts share the core in libs/bus/src and never import each other.
    files: ['libs/bus/src/zone/*.ts', 'libs/bus/src/config/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@halo/testing', message: 'libs/testing is for tests only.' }],
          patterns: [
            { regex: '^\\.\\./(zone|config)/', message: 'the zone and config parts of the bus import only the shared core (../*.ts), not each other.' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/server/src/plugins/*/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@halo/testing', message: 'libs/testing is for tests only.' }],
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./)[^/]+/',
              message: 'a plugin imports no other plugin: share through src/plugins/*.ts, the core (types.ts, scope.ts) or a library.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use libs/testing whatever the project's tag says.
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
