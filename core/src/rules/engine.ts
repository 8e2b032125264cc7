import { locate } from "../manifests/positions.js";
import { type Finding, fingerprintOf } from "../model/index.js";
import { inlineSuppression } from "./inline-ignores.js";
import type { ManifestRule, RuleContext, Violation } from "./types.js";

/** Runs every rule and turns its violations into located, fingerprinted findings. */
export function runRules(rules: readonly ManifestRule[], context: RuleContext, target: string): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const violation of rule.check(context)) {
      const finding = toFinding(rule, violation, target);
      const suppressed = context.options.inlineIgnores ? inlineSuppression(violation.resource, rule.descriptor.id) : undefined;
      findings.push(suppressed ? { ...finding, suppressed } : finding);
    }
  }
  return findings;
}

function toFinding(rule: ManifestRule, violation: Violation, target: string): Finding {
  const { resource, container } = violation;
  const { descriptor } = rule;
  return {
    fingerprint: fingerprintOf(stableParts(rule, violation)),
    kind: descriptor.kind,
    ruleId: descriptor.id,
    severity: descriptor.severity,
    title: descriptor.title,
    message: violation.message,
    target,
    location: locate(resource.source, [...resource.basePath, ...violation.path]),
    resource: {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      ...(resource.namespace !== undefined && { namespace: resource.namespace }),
      ...(resource.name !== undefined && { name: resource.name }),
      ...(container && { container: container.name }),
    },
    standards: descriptor.standards,
  };
}

/**
 * What identifies a violation independent of line numbers: the rule, the file, the
 * resource, the container by name (so reordering containers keeps the identity) and the
 * field path below it.
 */
function stableParts(rule: ManifestRule, { resource, container, path }: Violation): string[] {
  const fieldPath = container ? path.slice(container.path.length) : path;
  return [
    rule.descriptor.id,
    resource.source.path,
    resource.kind,
    resource.namespace ?? "",
    resource.name ?? "",
    container ? `${container.group}/${container.name}` : "",
    [...resource.basePath, ...fieldPath].join("."),
  ];
}
