/**
 * The pure half of `skiff config get-contexts|use-context|set-context|delete-context`: what each
 * does to a client config (hub/client-config.ts) and what it prints, as kubectl's `config`
 * subcommands do to a kubeconfig. No files here (config-contexts-file.ts reads and writes them),
 * so every rule is unit-tested on plain values.
 */
import { SkiffError } from '../../../shared/errors.js';
import { zodFieldErrors } from '../../../shared/api/validate.js';
import { clientContextSchema, type ClientContext } from '../../client-config.js';
import { findContext, type ClientContexts } from '../client-config-loader.js';
import { alignColumns } from '../render-table.js';

export interface ContextEdit {
  config: ClientContexts;
  /** Lines for stdout, kubectl's words. */
  messages: string[];
  /** Lines for stderr (`warning: ...`). */
  warnings: string[];
}

/** kubectl's get-contexts columns, with SERVER in place of CLUSTER and AUTHINFO (a context here is one hub and its token). */
export function contextsTable(config: ClientContexts, current: string | undefined, names: readonly string[], path: string): string[] {
  const shown = names.length === 0 ? config.contexts : names.map((name) => findContext(config, name, path));
  return alignColumns([['CURRENT', 'NAME', 'SERVER'], ...shown.map((c) => [c.name === current ? '*' : '', c.name, c.server])]);
}

export function useContext(config: ClientContexts, name: string, path: string): ContextEdit {
  findContext(config, name, path);
  return { config: { ...config, currentContext: name }, messages: [`Switched to context "${name}".`], warnings: [] };
}

/** The fields set-context was given; undefined ones keep what the context had. */
export type HubFields = Partial<Omit<ClientContext, 'name'>>;

/**
 * Adds the context or changes the fields given (kubectl's set-context). `imported`: the hub of
 * another client config (--from), which replaces every field before `fields` apply. A single-hub
 * file becomes the contexts form, its hub keeping the name it was read under. A context added to
 * a file that has no current context becomes current: the commands that follow then reach it.
 */
export function setContext(config: ClientContexts, name: string, fields: HubFields, path: string, imported?: HubFields): ContextEdit {
  const existing = config.contexts.find((c) => c.name === name);
  const candidate = { ...(imported ?? existing ?? {}), ...definedFields(fields), name };
  if (existing === undefined && (candidate.server === undefined || candidate.token === undefined)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot create context "${name}" in ${path}: --server and --token are required (or --from FILE)`);
  }
  const parsed = clientContextSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = zodFieldErrors(parsed.error).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid context "${name}" for ${path}: ${problems.join('; ')}`);
  }
  const contexts = existing === undefined ? [...config.contexts, parsed.data] : config.contexts.map((c) => (c.name === name ? parsed.data : c));
  const becomesCurrent = config.currentContext === undefined;
  return {
    config: { form: 'contexts', contexts, currentContext: becomesCurrent ? name : config.currentContext! },
    messages: [`Context "${name}" ${existing === undefined ? 'created' : 'modified'}.`, ...(becomesCurrent ? [`Switched to context "${name}".`] : [])],
    warnings: [],
  };
}

/** kubectl's delete-context: deleting the current one leaves none current, with kubectl's warning. */
export function deleteContext(config: ClientContexts, name: string, path: string): ContextEdit {
  findContext(config, name, path);
  const wasCurrent = config.currentContext === name;
  const { currentContext: _dropped, ...rest } = config;
  const kept = wasCurrent ? rest : config;
  return {
    config: { ...kept, form: 'contexts', contexts: config.contexts.filter((c) => c.name !== name) },
    messages: [`deleted context ${name} from ${path}`],
    warnings: wasCurrent ? ['warning: this removed your active context, use "skiff config use-context" to select a different one'] : [],
  };
}

function definedFields(fields: HubFields): HubFields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
