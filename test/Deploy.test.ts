/**
 * The deployment recipes in examples/deploy/: the CDK app is synthesised (offline, in process and
 * through its entry, as `cdk deploy --app` runs it) with real builds of examples/hello.ts and of
 * the drop-in, and the CloudFormation it writes is checked; the SAM template's CodeUri is
 * resolved as SAM resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { App, Stack } from "aws-cdk-lib"
import type { CfnElement } from "aws-cdk-lib"
import * as lambda from "aws-cdk-lib/aws-lambda"
import { Effect } from "effect"
import { unzipSync } from "fflate"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import * as Build from "../src/Build.js"
import { EffectFunction } from "../examples/deploy/cdk/functions.js"
import { ExampleStack } from "../examples/deploy/cdk/stack.js"
import { projectFile } from "./process.js"

interface Template {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties: Record<string, any> }>
}

interface AssetManifest {
  readonly files: Record<string, {
    readonly source: { readonly path: string; readonly packaging?: string }
    readonly destinations: Record<string, { readonly objectKey: string }>
  }>
}

let work: string
let effectBuild: Build.BuildResult
let dropInBuild: Build.BuildResult

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "effect-lambda-deploy-"))
  ;[effectBuild, dropInBuild] = await Effect.runPromise(Effect.all([
    Build.build({ entry: projectFile("examples/hello.ts"), outdir: join(work, "lambda") }),
    Build.build({ dropIn: true, outdir: join(work, "drop-in") })
  ]))
}, 180_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The staged file or folder (in the assembly's outdir) of the asset that `objectKey` names. */
const stagedAsset = (outdir: string, manifestFile: string, objectKey: unknown) => {
  const manifest = JSON.parse(readFileSync(join(outdir, manifestFile), "utf8")) as AssetManifest
  const asset = Object.values(manifest.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === objectKey)
  )
  expect(asset, `an asset for ${String(objectKey)}`).toBeDefined()
  return { path: join(outdir, asset!.source.path), packaging: asset!.source.packaging }
}

/** Names in a zip archive, sorted. */
const zipNames = (path: string) => Object.keys(unzipSync(readFileSync(path))).sort()

const BUILT_FILES = ["bootstrap", "main.cjs", "main.cjs.cache", "start.cjs"]

describe("CDK recipe (examples/deploy/cdk)", () => {
  const synthesised = () => {
    const outdir = mkdtempSync(join(work, "cdk.out-"))
    const app = new App({ outdir })
    const stack = new ExampleStack(app, "DeployTest", {
      node22Build: effectBuild.outdir,
      node24Build: effectBuild.zip,
      dropIn: { build: dropInBuild.outdir, codeDir: projectFile("examples/node-handler"), handler: "index.handler" }
    })
    const assembly = app.synth()
    const template = assembly.getStackByName("DeployTest").template as Template
    const logicalId = (construct: { readonly node: { readonly defaultChild?: unknown } }) =>
      stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string
    return { outdir, stack, template, logicalId, assets: `${stack.artifactId}.assets.json` }
  }

  it("an Effect function per managed runtime: the build's function.zip, bootstrap as exec wrapper, the handler name unused", () => {
    const { assets, logicalId, outdir, stack, template } = synthesised()
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === "AWS::Lambda::Function")
    expect(functions).toHaveLength(3)
    for (const [fn, runtime] of [[stack.node22, "nodejs22.x"], [stack.node24, "nodejs24.x"]] as const) {
      const properties = template.Resources[logicalId(fn)]!.Properties
      expect(properties).toMatchObject({
        Runtime: runtime,
        Handler: "index.handler",
        Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: "/var/task/bootstrap" } },
        LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "INFO" },
        Timeout: 10
      })
      const asset = stagedAsset(outdir, assets, properties.Code.S3Key)
      // The zip the build wrote, byte for byte (bootstrap keeps its 0755 mode), not a re-zip of the folder.
      expect(asset.packaging).toBe("file")
      expect(readFileSync(asset.path).equals(readFileSync(effectBuild.zip))).toBe(true)
      expect(zipNames(asset.path)).toEqual(BUILT_FILES)
      expect(Buffer.from(unzipSync(readFileSync(asset.path))["bootstrap"]!).toString("utf8")).toMatch(/^#!\/bin\/sh\n/)
    }
  })

  it("a plain Node handler on the drop-in layer: its own folder as code, _HANDLER as given, /opt/bootstrap as exec wrapper", () => {
    const { assets, logicalId, outdir, stack, template } = synthesised()
    const properties = template.Resources[logicalId(stack.dropIn!)]!.Properties
    const layerId = Object.keys(template.Resources).find((id) =>
      template.Resources[id]!.Type === "AWS::Lambda::LayerVersion"
    )!
    expect(properties).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Layers: [{ Ref: layerId }],
      Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap" } }
    })
    const code = stagedAsset(outdir, assets, properties.Code.S3Key)
    expect(statSync(code.path).isDirectory()).toBe(true)
    expect(readdirSync(code.path)).toEqual(["index.mjs"])

    const layer = template.Resources[layerId]!.Properties
    expect(layer.CompatibleRuntimes).toEqual(["nodejs22.x"])
    const runtime = stagedAsset(outdir, assets, layer.Content.S3Key)
    expect(readFileSync(runtime.path).equals(readFileSync(dropInBuild.zip))).toBe(true)
    expect(zipNames(runtime.path)).toEqual(BUILT_FILES)
  })

  it("refuses a runtime without Node (provided.al2023) and a build that is not there", () => {
    const stack = new Stack(new App({ outdir: mkdtempSync(join(work, "cdk.out-")) }), "Refused")
    expect(() =>
      new EffectFunction(stack, "OsOnly", { build: effectBuild.outdir, runtime: lambda.Runtime.PROVIDED_AL2023 })
    )
      .toThrow(/provided\.al2023 is not a managed Node\.js runtime.*exits 127 \(no node binary on PATH\)/)
    expect(() =>
      new EffectFunction(stack, "NotBuilt", { build: join(work, "missing"), runtime: lambda.Runtime.NODEJS_22_X })
    )
      .toThrow(/missing is not a built function\.zip: run `effect-lambda build <module> --outdir <folder>` first/)
    expect(() => new EffectFunction(stack, "EmptyFolder", { build: work, runtime: lambda.Runtime.NODEJS_22_X }))
      .toThrow(`${join(work, "function.zip")} is not a built function.zip`)
  })

  it("app.ts, run as `cdk deploy --app` runs it, synthesises the stack from its context", () => {
    const outdir = mkdtempSync(join(work, "cdk.out-"))
    const context = {
      node22Build: effectBuild.outdir,
      node24Build: effectBuild.outdir,
      dropInBuild: dropInBuild.outdir,
      dropInCode: projectFile("examples/node-handler"),
      stackName: "FromEntry"
    }
    const run = spawnSync(process.execPath, ["--import", "tsx", projectFile("examples/deploy/cdk/app.ts")], {
      cwd: projectFile("."),
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: "utf8",
      timeout: 60_000
    })
    expect(run.status, run.stderr).toBe(0)
    const template = JSON.parse(readFileSync(join(outdir, "FromEntry.template.json"), "utf8")) as Template
    const runtimes = Object.values(template.Resources)
      .filter((resource) => resource.Type === "AWS::Lambda::Function")
      .map((
        resource
      ) => [resource.Properties.Runtime, resource.Properties.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER])
      .sort()
    expect(runtimes).toEqual([
      ["nodejs22.x", "/opt/bootstrap"],
      ["nodejs22.x", "/var/task/bootstrap"],
      ["nodejs24.x", "/var/task/bootstrap"]
    ])
  }, 60_000)
})

describe("SAM recipe (examples/deploy/template.yaml)", () => {
  it("CodeUri, resolved from the template's folder as SAM does, is the function.zip of the documented build, for the documented command", () => {
    const root = projectFile(".")
    const template = readFileSync(projectFile("examples/deploy/template.yaml"), "utf8")
    // The commands the template's header documents, run from the project root.
    const outdir = /^# +npx effect-lambda build \S+ --outdir (\S+)$/m.exec(template)?.[1]
    const templateFile = /^# +sam deploy .*--template-file (\S+)$/m.exec(template)?.[1]
    expect(outdir).toBe("dist/lambda")
    expect(templateFile).toBe("examples/deploy/template.yaml")
    const codeUri = /^ +CodeUri: *(\S+) *$/m.exec(template)?.[1]
    expect(codeUri).toBeDefined()
    // SAM (`sam deploy`/`sam package`) resolves a relative CodeUri against the template's folder, not the working directory.
    expect(resolve(dirname(resolve(root, templateFile!)), codeUri!)).toBe(resolve(root, outdir!, "function.zip"))
    expect(/^ +Runtime: *(\S+) *$/m.exec(template)?.[1]).toBe("nodejs22.x")
    expect(/^ +AWS_LAMBDA_EXEC_WRAPPER: *(\S+) *$/m.exec(template)?.[1]).toBe("/var/task/bootstrap")
    // docs/deployment.md gives the same two commands.
    const docs = readFileSync(projectFile("docs/deployment.md"), "utf8")
    expect(docs).toContain(`--outdir ${outdir}`)
    expect(docs).toContain(`--template-file ${templateFile}`)
    expect(existsSync(resolve(root, templateFile!))).toBe(true)
  })
})
