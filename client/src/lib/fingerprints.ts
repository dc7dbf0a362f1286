/**
 * Reads the certificate fingerprints of the live DTLS transport from getStats(): the
 * certificates actually used on the wire, not the ones written in the SDP.
 */
import { ParleyError } from '@protocol/errors.ts';

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
  // The transport stats can lag the 'connect' event by a tick: retry briefly.
  for (let attempt = 0; attempt < 20; attempt++) {
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
  throw new ParleyError('FINGERPRINT_MISMATCH', 'DTLS certificates not visible');
}

function normalise(cert: CertificateStats): string {
  return `${cert.fingerprintAlgorithm} ${cert.fingerprint}`.trim().toLowerCase();
}
