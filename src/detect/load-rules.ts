// Reads rule files (the shipped ones, or paths a user names), picks each file's format from the registry, never stops at the first problem.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InputIssue, RuleLoadResult } from '../model/index.ts';
import { loadBuiltinRule } from './formats/builtin/index.ts';
import { RULE_FORMATS } from './formats/index.ts';

/** Extensions a folder walk considers; a file named explicitly is always tried. */
export const RULE_FILE_EXTENSIONS: readonly string[] = ['.toml', '.yaml', '.yml'];

/** `<repo>/rules/`, from src/detect/ and from dist/detect/ alike. */
export function builtinRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

/** The shipped rules: every `rules/*.yml`, in the built-in format. */
export function loadBuiltinRules(dir: string = builtinRulesDir()): RuleLoadResult[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
  } catch (err) {
    return [
      fileError(dir, 'rules-dir-unreadable', `cannot read the built-in rules folder: ${errorText(err)}`),
    ];
  }
  const results = names.map((name) => {
    const path = join(dir, name);
    const text = readText(path);
    return typeof text === 'string' ? loadBuiltinRule(path, text, relative(dir, path)) : text;
  });
  return flagDuplicateIds(results);
}

/** Files or folders (walked recursively, skipping hidden entries and `fixtures/`); every file gets a result. */
export function loadRulePaths(paths: readonly string[]): RuleLoadResult[] {
  const results: RuleLoadResult[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      results.push(fileError(path, 'rule-path-missing', `cannot open rule path: ${errorText(err)}`));
      continue;
    }
    if (!isDir) {
      results.push(loadRuleFile(path));
      continue;
    }
    const files: string[] = [];
    const problems: RuleLoadResult[] = [];
    walk(path, files, problems);
    results.push(...problems, ...files.sort().map(loadRuleFile));
  }
  return flagDuplicateIds(results);
}

/** Loads one file with the first registered format that recognises it. */
export function loadRuleFile(path: string): RuleLoadResult {
  const text = readText(path);
  if (typeof text !== 'string') return text;
  for (const id of Object.keys(RULE_FORMATS).sort()) {
    const format = RULE_FORMATS[id];
    if (format === undefined || !format.canLoad(path, text)) continue;
    try {
      return format.load(path, text);
    } catch (err) {
      // A loader must report bad input as a result; reaching here is a bug in that loader, still reported per file.
      return fileError(
        path,
        'rule-loader-crashed',
        `the ${id} loader failed on this file: ${errorText(err)}`,
        'this is a bug in mfaguard; please report it with the file',
      );
    }
  }
  return fileError(
    path,
    'rule-format-unknown',
    `no rule format recognises this file (known: ${Object.keys(RULE_FORMATS).sort().join(', ')})`,
    'built-in rules are YAML with a top-level `match:`; Elastic rules are TOML with [rule]; Sigma rules are YAML with `detection:`',
  );
}

function walk(dir: string, files: string[], problems: RuleLoadResult[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    problems.push(fileError(dir, 'rules-dir-unreadable', `cannot read rule folder: ${errorText(err)}`));
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') walk(full, files, problems);
    } else if (RULE_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
      files.push(full);
    }
  }
}

function readText(path: string): string | RuleLoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return fileError(path, 'rule-unreadable', `cannot read rule file: ${errorText(err)}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fileError(path, 'rule-encoding', 'rule file is not valid UTF-8', 'save the file as UTF-8');
  }
}

/** A second rule with an id already seen becomes an error: alerts are keyed by rule id. */
function flagDuplicateIds(results: RuleLoadResult[]): RuleLoadResult[] {
  const seen = new Map<string, string>();
  return results.map((result) => {
    if (result.status !== 'ok') return result;
    const id = result.rule.meta.id;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, result.path);
      return result;
    }
    return {
      status: 'error',
      path: result.path,
      meta: result.rule.meta,
      issues: [
        {
          level: 'error',
          code: 'duplicate-rule-id',
          location: result.path,
          message: `rule id ${JSON.stringify(id)} is already used by ${first}`,
          hint: 'give every rule its own id',
        },
      ],
    };
  });
}

function fileError(path: string, code: string, message: string, hint?: string): RuleLoadResult {
  const issue: InputIssue = {
    level: 'error',
    code,
    location: path,
    message,
    ...(hint === undefined ? {} : { hint }),
  };
  return { status: 'error', path, meta: { path }, issues: [issue] };
}

function errorText(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code === 'ENOENT'
      ? 'no such file or folder'
      : err.code === 'EACCES'
        ? 'permission denied'
        : err.code;
  }
  return err instanceof Error ? err.message : String(err);
}
