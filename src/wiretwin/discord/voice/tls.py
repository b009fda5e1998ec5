"""The voice gateway's certificate: made by the twin, trusted only by the clients it
points at itself.

Discord's clients dial the voice gateway at ``wss://{endpoint}`` (discord.py hard-codes
the scheme), so the twin serves TLS. :class:`VoiceCertificate` makes a private
certificate authority and a certificate for ``127.0.0.1`` (and ``localhost``) signed by
it, both on P-256 keys (a few milliseconds), with the extensions strict verifiers ask
for. :meth:`~VoiceCertificate.client_context` is a verifying context that trusts this one
authority and nothing else: the drivers hand it to a client for its connections to this
twin's voice gateway only, so every other host is still verified against the system's
store as usual (verification is never turned off).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class VoiceCertificate:
    #: The authority's certificate, PEM: what a client trusts.
    ca_pem: str
    cert_pem: str
    key_pem: str

    @classmethod
    def generate(cls, host: str = "127.0.0.1") -> VoiceCertificate:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        now = datetime.datetime.now(datetime.UTC)
        start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                "wiretwin voice twin authority")])
        ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(
                  digital_signature=False, content_commitment=False, key_encipherment=False,
                  data_encipherment=False, key_agreement=False, key_cert_sign=True,
                  crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
              .add_extension(ca_ski, critical=False)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName("localhost")]
        try:
            names.insert(0, x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.insert(0, x509.DNSName(host))
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
                .issuer_name(ca_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                    ca_ski), critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        return cls(
            ca.public_bytes(pem).decode(), cert.public_bytes(pem).decode(),
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        # load_cert_chain reads files only: the key goes through a private temporary
        # file that is gone before this returns.
        fd, path = tempfile.mkstemp(prefix="wiretwin-voice-", suffix=".pem")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(self.cert_pem + self.key_pem)
            context.load_cert_chain(path)
        finally:
            os.unlink(path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A context that verifies the voice gateway's certificate and host name against
        this authority alone."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=self.ca_pem)
        return context


__all__ = ["VoiceCertificate"]
