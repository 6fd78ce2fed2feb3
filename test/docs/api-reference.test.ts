// The API reference is complete: TypeDoc (typedoc.json, what `npm run docs`
// builds) converts both entries, `autoencoders` and `autoencoders/onnx`, and
// its validation (every exported name, member and property documented, every
// referenced type exported, every link resolved) reports nothing. Then every
// optional field of an options or config type must state its default.
import { join } from "node:path";
import { Application, Logger, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader, type DeclarationReflection, type ProjectReflection, type Reflection } from "typedoc";
import { beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../package/dist.js";

/** Keeps every message at warning level or above, instead of printing it. */
class CollectingLogger extends Logger {
  readonly messages: string[] = [];
  override log(message: string, level: Exclude<LogLevel, LogLevel.None>): void {
    super.log(message, level);
    if (level >= LogLevel.Warn) this.messages.push(message);
  }
}

let project: ProjectReflection;
let logger: CollectingLogger;

beforeAll(async () => {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    // Without source links: they need a git remote, which a checkout from a tarball (or a fresh clone's
    // copy) may not have, and this test checks the documentation, not the links.
    const app = await Application.bootstrap({ options: join(ROOT, "typedoc.json"), disableSources: true }, [new TypeDocReader(), new TSConfigReader()]);
    logger = new CollectingLogger();
    app.logger = logger;
    const converted = await app.convert();
    if (!converted) throw new Error(`TypeDoc could not convert the entry points:\n${logger.messages.join("\n")}`);
    project = converted;
    app.validate(project);
  } finally {
    process.chdir(cwd);
  }
}, 300_000);

/** Every reflection under `root`, children and type-literal members included. */
function walk(root: Reflection, visit: (r: DeclarationReflection, path: string) => void, path = ""): void {
  root.traverse((child) => {
    const name = path ? `${path}.${child.name}` : child.name;
    if (child.isDeclaration()) {
      visit(child, name);
      const type = child.type;
      if (type?.type === "reflection") walk(type.declaration, visit, name);
      if (type?.type === "union") for (const t of type.types) if (t.type === "reflection") walk(t.declaration, visit, name);
    }
    walk(child, visit, name);
  });
}

/** Options and config types: their optional fields take a default. */
const OPTION_TYPES = /(Options|Config|Architecture)$/;

const commentText = (r: DeclarationReflection): string =>
  [...(r.comment?.summary ?? []), ...(r.comment?.blockTags ?? []).flatMap((t) => t.content)].map((part) => part.text).join("");

describe("the API reference", () => {
  test("covers both entries", () => {
    expect(project.children?.map((c) => c.name).sort()).toEqual(["index", "interop"]);
    const names = (project.children ?? []).flatMap((m) => (m.children ?? []).map((c) => c.name));
    for (const name of ["Reducer", "AnomalyDetector", "Denoiser", "Generator", "FeatureExtractor", "Autoencoder", "VAE", "PCA", "readCsv", "toOnnx", "fromOnnx"]) {
      expect(names).toContain(name);
    }
  });

  test("TypeDoc's validation finds nothing undocumented, unexported or unresolved", () => {
    expect(logger.messages).toEqual([]);
  });

  test("every optional field of an options or config type states its default", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const module of project.children ?? []) {
      for (const type of module.children ?? []) {
        if (!OPTION_TYPES.test(type.name) || !(type.kindOf(ReflectionKind.Interface) || type.kindOf(ReflectionKind.TypeAlias))) continue;
        walk(type, (field, path) => {
          if (!field.kindOf(ReflectionKind.Property) || !field.flags.isOptional) return;
          checked++;
          // A callback or a signal has no default: leaving it out means none.
          const t = field.type;
          const callable = t?.type === "reflection" && (t.declaration.signatures?.length ?? 0) > 0;
          const signal = t?.type === "reference" && t.name === "AbortSignal";
          if (callable || signal) return;
          if (!/\bdefault\b/i.test(commentText(field))) missing.push(`${module.name}.${type.name}.${path}: ${commentText(field) || "(no comment)"}`);
        });
      }
    }
    expect(checked).toBeGreaterThan(80);
    expect(missing).toEqual([]);
  });
});
