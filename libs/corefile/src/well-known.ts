// Corefiles every cluster DNS operator knows, as their tools install them: the reference our answerers
// load unchanged, and the fixture of many tests.
import { readFileSync } from 'node:fs';

/** The Corefile kubeadm installs for CoreDNS. */
export const kubeadmCorefile: string = readFileSync(new URL('./kubeadm.Corefile', import.meta.url), 'utf8');
