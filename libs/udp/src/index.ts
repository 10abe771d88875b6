export { bindUdp, udpIo } from './udp.ts';
export type { UdpEndpoint, UdpHandler, UdpIo, UdpOptions, UdpPeer } from './udp.ts';
