/**
 * Reads the certificate fingerprints of the live DTLS transport from getStats(): the
 * certificates actually used on the wire, not the ones written in the SDP.
 */
import { ParleyError } from '@protocol/errors.ts';
import { normalizeFingerprint } from '@protocol/keys.ts';

interface TransportStats {
  type: 'transport';
  localCertificateId?: string;
  remoteCertificateId?: string;
  dtlsState?: string;
}
interface CertificateStats {
  type: 'certificate';
  id: string;
  fingerprint: string;
  fingerprintAlgorithm: string;
}

export async function readDtlsFingerprints(pc: RTCPeerConnection): Promise<{ local: string; remote: string }> {
  // The transport stats can lag the 'connect' event, more so on a loaded machine: retry for a while.
  for (let attempt = 0; attempt < 100; attempt++) {
    const stats = await pc.getStats();
    const certificates = new Map<string, CertificateStats>();
    let transport: TransportStats | undefined;
    stats.forEach((report: { type: string; id: string }) => {
      if (report.type === 'certificate') certificates.set(report.id, report as unknown as CertificateStats);
      if (report.type === 'transport' && (report as TransportStats).remoteCertificateId) transport = report as TransportStats;
    });
    const local = transport?.localCertificateId ? certificates.get(transport.localCertificateId) : undefined;
    const remote = transport?.remoteCertificateId ? certificates.get(transport.remoteCertificateId) : undefined;
    if (local && remote) {
      return { local: normalise(local), remote: normalise(remote) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Not an attack (nothing was compared yet), just a browser that does not report: no alarm.
  throw new ParleyError('CONNECTION_FAILED', 'DTLS certificates not visible in getStats()');
}

function normalise(cert: CertificateStats): string {
  return normalizeFingerprint(`${cert.fingerprintAlgorithm} ${cert.fingerprint}`);
}
