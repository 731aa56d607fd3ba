// ESLint (flat config): typescript-eslint's recommended rules and Effect's dprint formatting,
// configured as Effect's own repositories configure it. `npm run lint` checks, `npm run format`
// fixes (dprint rewrites the layout; it never changes what the code does).
import * as effectEslint from "@effect/eslint-plugin"
import eslint from "@eslint/js"
import tseslint from "typescript-eslint"

/** What Node gives a module without an import (the JS files are not type-checked). */
const nodeGlobals = Object.fromEntries(
  [
    "AbortController",
    "AbortSignal",
    "Buffer",
    "URL",
    "URLSearchParams",
    "clearImmediate",
    "clearInterval",
    "clearTimeout",
    "console",
    "fetch",
    "performance",
    "process",
    "queueMicrotask",
    "setImmediate",
    "setInterval",
    "setTimeout",
    "structuredClone"
  ].map((name) => [name, "readonly"])
)

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "bench/.build/**",
      "bench/results/**",
      "bench/.*",
      ".cache/**",
      ".scratch/**",
      "coverage/**",
      // A handler module that does not parse, on purpose (test/NodeHandler.test.ts).
      "test/fixtures/node-handlers/broken.js"
    ]
  },
  {
    files: ["{src,test,examples,bench,scripts}/**/*.{ts,js,mjs,cjs}", "packages/*/{src,test,examples,bench}/**/*.ts"],
    extends: [eslint.configs.recommended, tseslint.configs.recommended, effectEslint.configs.dprint],
    rules: {
      // `_`-prefixed names are unused on purpose; a rest sibling omits a field (`{ _tag, ...fields }`).
      "@typescript-eslint/no-unused-vars": ["error", {
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        ignoreRestSiblings: true
      }],
      // A public interface that extends an internal one gives it its own documentation.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // Effect's settings, plus what this code base already does: imports in the order they were
      // written, `?`/`:` of a multi-line conditional at the start of a line, `&&`/`||`/`+` at the end.
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force",
          "conditionalExpression.operatorPosition": "nextLine",
          "binaryExpression.operatorPosition": "sameLine",
          "module.sortImportDeclarations": "maintain",
          "module.sortExportDeclarations": "maintain",
          "importDeclaration.sortNamedImports": "maintain",
          "exportDeclaration.sortNamedExports": "maintain"
        }
      }]
    }
  },
  {
    // Tests read JSON documents of many shapes; `any` stays out of the package's own code.
    files: ["test/**/*.ts", "packages/*/test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" }
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: nodeGlobals }
  },
  {
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", exports: "writable", __dirname: "readonly", __filename: "readonly" }
    }
  }
)
