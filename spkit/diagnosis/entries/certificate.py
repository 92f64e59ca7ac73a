"""Certificate codes: the profile's certificate file and the local certificate store (spkit certs)."""

from __future__ import annotations

from ..entry import CatalogEntry, maker

E = maker("certificate")

NOTHING = "Nothing to change on your side: the certificate on our side needs fixing, and we are doing it."
UPLOAD = (
    "Entra admin center > Identity > Applications > App registrations > the app > Certificates & secrets > "
    "Certificates > Upload certificate"
)
FIELDS = (
    "The certificate's thumbprint and subject, its notBefore and notAfter, its key size, and this "
    "machine's clock (how long ago it expired, or when it becomes valid)."
)
NEW_CERT = "Create a new certificate: 'spkit certs new --subject spkit-<customer>' (RSA 2048, 2 years)."


def _cert(
    code: str,
    title: str,
    meaning: str,
    fix: list[str],
    evidence: str = "The file and the problem.",
    also: tuple[str, ...] = ("token",),
) -> CatalogEntry:
    return E(code, title, meaning=meaning, evidence=evidence, fix=fix, tell=NOTHING, also=also)


ENTRIES = (
    _cert(
        "CERTIFICATE_INVALID",
        "Certificate unusable",
        "A certificate or key cannot be loaded or is not acceptable.",
        ["Read the message; 'spkit certs list' shows the store's certificates."],
    ),
    _cert(
        "CERT_FILE_NOT_FOUND",
        "Certificate file not found",
        "The certificate (or key) file does not exist, or is a directory.",
        ["Check the path in certificate.path / key_path."],
    ),
    _cert(
        "CERT_UNREADABLE",
        "Certificate file unreadable",
        "The file cannot be read, or is not a "
        "certificate spkit can parse (PEM, DER, PKCS#12), or key_path conflicts with the file.",
        [
            "Export the certificate again as .pem (certificate + key), .pfx, or .cer with a .key.",
            "Give the account that runs spkit read access to the file.",
        ],
    ),
    _cert(
        "CERT_UNKNOWN_EXTENSION",
        "Unknown certificate extension",
        "The file's extension is not one "
        "spkit loads (.pem, .cer, .crt, .pfx, .p12), or an export's extension does not fit its format.",
        ["Rename or export the file with a supported extension."],
        also=("token", "wizard"),
    ),
    _cert(
        "CERT_PASSWORD_REQUIRED",
        "Certificate needs a password",
        "The .pfx or the PEM key is password-protected and no password was given.",
        ["Give certificate.password (a reference), or pipe it: 'spkit certs import FILE --password-stdin'."],
    ),
    _cert(
        "CERT_BAD_PASSWORD",
        "Wrong certificate password",
        "The password does not open the .pfx or "
        "the PEM key (or a password was given for a key that has none).",
        ["Give the password the file was exported with."],
    ),
    _cert(
        "CERT_NO_CERTIFICATE",
        "File holds no certificate",
        "The file holds no certificate (a key alone, or a .pfx exported without it).",
        ["Use a file with a -----BEGIN CERTIFICATE----- block, or export the .pfx with its certificate."],
    ),
    _cert(
        "CERT_NO_PRIVATE_KEY",
        "Certificate without its private key",
        "The certificate comes without its private key: a .cer alone cannot sign a client assertion.",
        ["Use the .pfx or .pem that holds the key, or give key_path / --key KEY.pem."],
    ),
    _cert(
        "CERT_KEY_MISMATCH",
        "Key does not belong to the certificate",
        "The private key is not the certificate's own (its public key differs).",
        ["Use the key created with this certificate."],
    ),
    _cert(
        "CERT_KEY_NOT_RSA",
        "Certificate key is not RSA",
        "Entra client assertions are RS256/PS256: the key must be RSA.",
        [NEW_CERT, f"Upload it: {UPLOAD}."],
    ),
    E(
        "CERT_KEY_TOO_SMALL",
        "Certificate key too small",
        rung="token",
        ladder_="online",
        also=("certificate",),
        meaning="The certificate's RSA key is smaller than 2048 bits. spkit refuses to sign a client "
        "assertion with it, as Microsoft's client libraries do (ADAL's ClientAssertionCertificate "
        "MinKeySizeInBits is 2048): the app needs a certificate with a 2048-bit (or larger) key.",
        evidence=FIELDS,
        fix=[
            NEW_CERT,
            f"Upload it: {UPLOAD}; point the profile at the new certificate and remove the old one.",
        ],
        tell="Please upload the new certificate we send you (2048-bit key) to App registrations > the app > "
        "Certificates & secrets, and remove the old one.",
    ),
    E(
        "CERT_EXPIRED",
        "Certificate expired",
        rung="token",
        ladder_="online",
        also=("certificate",),
        meaning="The profile's certificate is past its notAfter date: it can no longer sign in. spkit refuses "
        "it before asking Entra; Entra would refuse it too, because the key registered with the certificate "
        "ends with it (AADSTS700027, 'The key used is expired', with the found key's Start and End).",
        evidence=FIELDS,
        fix=[
            NEW_CERT,
            f"Export and upload it: 'spkit certs export THUMBPRINT --out app.cer', then {UPLOAD}.",
            "Or 'spkit register ... --rotate-certificate' for an app spkit registered.",
        ],
        tell="Our application's certificate has expired. Please upload the new certificate we send you "
        "(App registrations > the app > Certificates & secrets > Certificates).",
    ),
    E(
        "CERT_NOT_YET_VALID",
        "Certificate not yet valid",
        rung="token",
        ladder_="online",
        also=("certificate",),
        meaning="The certificate's notBefore is in the future: this machine's clock is behind, or the "
        "certificate was made with a future start. spkit refuses it before asking Entra, which refuses a "
        "registered key before its Start as well (AADSTS700027, 'The key used is expired').",
        evidence=FIELDS,
        fix=[
            "Compare notBefore with this machine's clock in the evidence ('date -u'); set the clock right if it "
            "is behind (Linux: timedatectl set-ntp true; Windows: w32tm /resync).",
            "If the clock is right, wait until notBefore, or create a certificate valid from now "
            "('spkit certs new --subject spkit-<customer>') and upload it.",
        ],
        tell=NOTHING,
    ),
    _cert(
        "CERT_THUMBPRINT_INVALID",
        "Not a thumbprint",
        "certificate.thumbprint is not 40 hex digits (SHA-1).",
        ["Copy the Thumbprint from the app's Certificates & secrets page, or from 'spkit certs list'."],
    ),
    _cert(
        "CERT_NOT_IN_STORE",
        "Certificate not in the local store",
        "The profile names a thumbprint the local certificate store does not hold.",
        [
            "Import it: 'spkit certs import app.pfx "
            "--password-stdin', or 'spkit certs list' to see the thumbprints held."
        ],
    ),
    _cert(
        "CERT_STORE_DAMAGED",
        "Certificate store entry damaged",
        "A store entry cannot be read; it is listed with its file name and never deleted for you.",
        [
            "Import the certificate again "
            "('spkit certs import FILE'), or remove the entry ('spkit certs remove THUMBPRINT')."
        ],
    ),
    _cert(
        "CERT_STORE_UNAVAILABLE",
        "Certificate store unavailable",
        "The store directory cannot be created, read or written.",
        ["Set SPKIT_CERT_STORE to a directory this account can read and write (mode 0700)."],
        also=(),
    ),
    _cert(
        "CERT_EXPORT_EXISTS",
        "Export target exists",
        "The export's output file exists and --force was not given.",
        ["Choose another file name, or pass --force."],
        also=(),
    ),
    _cert(
        "CERT_INVALID_REQUEST",
        "Certificate request invalid",
        "A 'spkit certs' request is out of "
        "range (key size, days, export format, password for a .cer, output path).",
        ["Read the message: it names the allowed values."],
        also=(),
    ),
    _cert(
        "CERT_NO_FILE",
        "No certificate file chosen",
        "The wizard's Import has no file.",
        ["Choose the certificate file (.pfx, .pem, .cer + .key)."],
        also=("wizard",),
    ),
)
