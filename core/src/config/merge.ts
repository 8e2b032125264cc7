import type { RuleOptions } from "../rules/index.js";
import type { ScanOptions } from "../scan.js";
import type { PortcullisConfig } from "./load.js";
import { parseKubernetesVersion, parsePssVersion } from "./versions.js";

/**
 * The scan options from the config file with the command-line flags laid over them: a flag
 * given on the command line always wins, a list flag replaces the config's list.
 */
export function mergeConfig(config: PortcullisConfig, flags: ScanOptions): ScanOptions {
  const fromConfig: Partial<RuleOptions> = {
    ...(config.pss?.level && { pssLevel: config.pss.level }),
    ...(config.pss?.version && { pssVersion: parsePssVersion(config.pss.version) }),
    ...(config.kubeVersion && { kubeVersion: parseKubernetesVersion(config.kubeVersion) }),
    ...(config.allowedRegistries && { allowedRegistries: config.allowedRegistries }),
    ...(config.inlineIgnores !== undefined && { inlineIgnores: config.inlineIgnores }),
  };
  return {
    ...flags,
    images: nonEmpty(flags.images) ?? config.images ?? [],
    // With images to scan and no paths anywhere, no manifests are scanned (not ".").
    paths: flags.paths.length > 0 ? flags.paths : (config.paths ?? (nonEmpty(flags.images) || config.images ? [] : ["."])),
    failOn: flags.failOn ?? config.failOn,
    ruleOptions: { ...fromConfig, ...flags.ruleOptions },
    followSymlinks: flags.followSymlinks ?? config.followSymlinks,
    helm: {
      valuesFiles: nonEmpty(flags.helm?.valuesFiles) ?? config.helm?.valuesFiles ?? [],
      set: nonEmpty(flags.helm?.set) ?? config.helm?.set ?? [],
    },
    policies: nonEmpty(flags.policies) ?? config.policies ?? [],
    vulnerabilities: { ...config.vulnerabilities, ...flags.vulnerabilities },
  };
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
