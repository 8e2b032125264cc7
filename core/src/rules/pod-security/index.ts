import type { ManifestRule } from "../types.js";
import { appArmorProfile } from "./apparmor.js";
import { capabilitiesBaseline, capabilitiesRestricted } from "./capabilities.js";
import { hostNamespaces } from "./host-namespaces.js";
import { hostPorts } from "./host-ports.js";
import { hostProbesAndHostLifecycle } from "./host-probes.js";
import { allowPrivilegeEscalation } from "./privilege-escalation.js";
import { privilegedContainer } from "./privileged.js";
import { procMount, procMountRestricted } from "./proc-mount.js";
import { runAsNonRoot, runAsUser } from "./run-as.js";
import { seccompProfileBaseline, seccompProfileRestricted } from "./seccomp.js";
import { seLinuxOptions } from "./selinux.js";
import { sysctls } from "./sysctls.js";
import { hostPathVolumes, restrictedVolumes } from "./volumes.js";
import { windowsHostProcess } from "./windows-host-process.js";

export { NEWEST_PSS_MINOR } from "./version.js";

/**
 * Every Pod Security Standards control, in the order of the standard: baseline, then what
 * restricted adds. Each one finds nothing when its control is not evaluated at the configured
 * level and version. Restricted controls report only what their baseline counterpart allows,
 * so each offending field is reported once, at the lowest level that forbids it.
 */
export const POD_SECURITY_RULES: readonly ManifestRule[] = [
  privilegedContainer,
  hostNamespaces,
  windowsHostProcess,
  capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfileBaseline,
  sysctls,
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
  capabilitiesRestricted,
  procMountRestricted,
];
