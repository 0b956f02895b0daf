//! BIND-format key pairs (`dnssec-keygen`'s files): `K<zone>+<alg>+<tag>.key` holds the DNSKEY
//! record, `K<zone>+<alg>+<tag>.private` the `PrivateKey:` field, the 32-byte P-256 scalar or
//! Ed25519 seed in base64. Also generating a new pair with ring.

use std::path::{Path, PathBuf};

use hickory_proto::rr::Name;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};

use super::ring_signer::{key_pair, public_key_of};
use crate::dnssec::records::Dnskey;
use crate::dnssec::{Algorithm, KeySecret};
use crate::zone::names::text_to_name;

/// The file name stem BIND gives a key: `K<zone>+<alg>+<tag>` (the zone with its final dot).
pub fn file_stem(secret: &KeySecret) -> String {
    let dnskey = Dnskey::csk(secret.algorithm, &secret.public_key);
    format!(
        "K{}+{:03}+{:05}",
        secret.zone.to_lowercase().to_ascii(),
        secret.algorithm.number(),
        dnskey.key_tag()
    )
}

/// The DNSKEY record line to add to the zone file.
pub fn dnskey_line(secret: &KeySecret) -> String {
    let dnskey = Dnskey::csk(secret.algorithm, &secret.public_key);
    format!(
        "{} IN DNSKEY {}",
        secret.zone.to_lowercase().to_ascii(),
        dnskey.to_text()
    )
}

/// The `.key` file: a comment and the DNSKEY record, as `dnssec-keygen` writes it.
pub fn key_file_text(secret: &KeySecret) -> String {
    let dnskey = Dnskey::csk(secret.algorithm, &secret.public_key);
    format!(
        "; This is a key-signing key, keyid {}, for {}\n{}\n",
        dnskey.key_tag(),
        secret.zone.to_lowercase().to_ascii(),
        dnskey_line(secret)
    )
}

/// The `.private` file (BIND's v1.3 format).
pub fn private_file_text(secret: &KeySecret) -> String {
    let mnemonic = match secret.algorithm {
        Algorithm::EcdsaP256Sha256 => "ECDSAP256SHA256",
        Algorithm::Ed25519 => "ED25519",
    };
    format!(
        "Private-key-format: v1.3\nAlgorithm: {} ({mnemonic})\nPrivateKey: {}\n",
        secret.algorithm.number(),
        data_encoding::BASE64.encode(&secret.private_key)
    )
}

/// A new key pair for `zone`, from the operating system's random generator.
pub fn generate(zone: &Name, algorithm: Algorithm) -> Result<KeySecret, String> {
    let rng = SystemRandom::new();
    let fail = |e: ring::error::Unspecified| format!("key generation failed: {e}");
    // ring hands out PKCS#8 (RFC 5915 / RFC 8410); the private key follows a fixed marker.
    let (pkcs8, marker): (Vec<u8>, &[u8]) = match algorithm {
        Algorithm::EcdsaP256Sha256 => (
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(fail)?
                .as_ref()
                .to_vec(),
            // ECPrivateKey: version 1, then the 32-byte OCTET STRING.
            &[0x02, 0x01, 0x01, 0x04, 0x20],
        ),
        Algorithm::Ed25519 => (
            Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(fail)?
                .as_ref()
                .to_vec(),
            // CurvePrivateKey: an OCTET STRING in an OCTET STRING.
            &[0x04, 0x22, 0x04, 0x20],
        ),
    };
    let at = pkcs8
        .windows(marker.len())
        .position(|w| w == marker)
        .ok_or("ring's PKCS#8 document has an unexpected layout")?
        + marker.len();
    let private_key = pkcs8
        .get(at..at + 32)
        .ok_or("ring's PKCS#8 document is too short")?
        .to_vec();
    let public_key = match algorithm {
        Algorithm::EcdsaP256Sha256 => {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
                .map(|pair| public_key_of(&super::ring_signer::PrivateKey::Ecdsa(pair)))
        }
        Algorithm::Ed25519 => Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map(|pair| public_key_of(&super::ring_signer::PrivateKey::Ed25519(pair))),
    }
    .map_err(|e| format!("ring rejected its own key: {e}"))?;
    let secret = KeySecret {
        zone: zone.to_lowercase(),
        algorithm,
        public_key,
        private_key,
    };
    // The private key read back must give the same public key.
    key_pair(&secret, &rng)?;
    Ok(secret)
}

/// Writes `secret` as `<dir>/K….key` and `<dir>/K….private` (mode 0600); the paths written.
pub fn write_pair(dir: &Path, secret: &KeySecret) -> Result<(PathBuf, PathBuf), String> {
    let stem = file_stem(secret);
    let key_path = dir.join(format!("{stem}.key"));
    let private_path = dir.join(format!("{stem}.private"));
    for path in [&key_path, &private_path] {
        if path.exists() {
            return Err(format!("{} exists already", path.display()));
        }
    }
    std::fs::write(&key_path, key_file_text(secret))
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&private_path)
        .map_err(|e| format!("{}: {e}", private_path.display()))?;
    std::io::Write::write_all(&mut file, private_file_text(secret).as_bytes())
        .map_err(|e| format!("{}: {e}", private_path.display()))?;
    Ok((key_path, private_path))
}

/// Reads every key pair in `dir` (each `K*.private` with its `.key`).
pub fn read_dir(dir: &Path) -> Result<Vec<KeySecret>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "private")
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('K'))
        })
        .collect();
    paths.sort();
    paths.iter().map(|path| read_pair(path)).collect()
}

/// Reads the pair whose `.private` file is `private_path`.
pub fn read_pair(private_path: &Path) -> Result<KeySecret, String> {
    let key_path = private_path.with_extension("key");
    let private_text = std::fs::read_to_string(private_path)
        .map_err(|e| format!("{}: {e}", private_path.display()))?;
    let key_text =
        std::fs::read_to_string(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let (zone, dnskey) =
        parse_key_file(&key_text).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let private_key = parse_private_file(&private_text, dnskey.algorithm)
        .map_err(|e| format!("{}: {e}", private_path.display()))?;
    let algorithm = Algorithm::from_number(dnskey.algorithm).ok_or_else(|| {
        format!(
            "{}: algorithm {} is not supported (13 or 15)",
            key_path.display(),
            dnskey.algorithm
        )
    })?;
    if dnskey.public_key.len() != algorithm.public_key_len() {
        return Err(format!(
            "{}: the public key has {} bytes, algorithm {} needs {}",
            key_path.display(),
            dnskey.public_key.len(),
            algorithm.number(),
            algorithm.public_key_len()
        ));
    }
    let secret = KeySecret {
        zone,
        algorithm,
        public_key: dnskey.public_key,
        private_key,
    };
    key_pair(&secret, &SystemRandom::new())
        .map_err(|e| format!("{}: {e}", private_path.display()))?;
    Ok(secret)
}

/// The zone and DNSKEY of a `.key` file: `<owner> [ttl] [IN] DNSKEY <flags> 3 <alg> <key…>`.
pub fn parse_key_file(text: &str) -> Result<(Name, Dnskey), String> {
    let line = text
        .lines()
        .map(|l| l.split(';').next().unwrap_or("").trim())
        .find(|l| !l.is_empty())
        .ok_or("no DNSKEY record")?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let at = fields
        .iter()
        .position(|f| f.eq_ignore_ascii_case("DNSKEY"))
        .ok_or_else(|| format!("not a DNSKEY record: {line}"))?;
    let zone = text_to_name(fields[0]).map_err(|e| format!("owner {:?}: {e}", fields[0]))?;
    let number = |i: usize, what: &str| -> Result<u16, String> {
        let field = fields.get(at + i).ok_or_else(|| format!("no {what}"))?;
        field
            .parse()
            .map_err(|_| format!("{what} {field:?} is not a number"))
    };
    let flags = number(1, "flags")?;
    if number(2, "protocol")? != 3 {
        return Err("the protocol field must be 3 (RFC 4034 §2.1.2)".to_string());
    }
    let algorithm = u8::try_from(number(3, "algorithm")?).map_err(|_| "algorithm over 255")?;
    let base64: String = fields[at + 4..].concat();
    let public_key = data_encoding::BASE64
        .decode(base64.as_bytes())
        .map_err(|e| format!("the public key is not base64: {e}"))?;
    Ok((
        zone.to_lowercase(),
        Dnskey {
            flags,
            algorithm,
            public_key,
        },
    ))
}

/// The private key of a `.private` file; its `Algorithm:` must be `algorithm`.
pub fn parse_private_file(text: &str, algorithm: u8) -> Result<Vec<u8>, String> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_string())
        })
    };
    let stated = field("Algorithm").ok_or("no Algorithm: line")?;
    let number = stated.split_whitespace().next().unwrap_or("");
    if number != algorithm.to_string() {
        return Err(format!(
            "Algorithm: {stated} does not match the .key file's algorithm {algorithm}"
        ));
    }
    let private = field("PrivateKey").ok_or("no PrivateKey: line")?;
    let key = data_encoding::BASE64
        .decode(private.as_bytes())
        .map_err(|e| format!("PrivateKey is not base64: {e}"))?;
    if key.len() != 32 {
        return Err(format!("PrivateKey has {} bytes, not 32", key.len()));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// A pair made by BIND 9.18's `dnssec-keygen -a ECDSAP256SHA256 -f KSK bind.test` (a test
    /// key, used nowhere else), and RFC 8080 §6.1's Ed25519 example. `read_pair` accepts them
    /// only if ring finds that private and public key belong together; the DS is what
    /// `dnssec-dsfromkey -2` printed for the first.
    #[test]
    fn reads_the_rfc_example_key_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let pairs = [
            (
                "Kbind.test.+013+62782",
                "; This is a key-signing key, keyid 62782, for bind.test.\nbind.test. IN DNSKEY 257 3 13 ydg7SkYKiCL8r4PgrE8p+EYV0wmmy1OVnGeoa5Rhaa9v+t0bZ/ptOVFz orFbXnq6r08R81md799/qpnPZvj46Q==\n",
                "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: lDNpH9+VoXJ8bukf9SdaJEKyhByjWR+2IrFq/oPum8g=\n",
            ),
            (
                "Kexample.com.+015+03613",
                "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
                "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n",
            ),
        ];
        for (stem, key, private) in pairs {
            std::fs::write(dir.path().join(format!("{stem}.key")), key).unwrap();
            std::fs::write(dir.path().join(format!("{stem}.private")), private).unwrap();
        }
        let secrets = read_dir(dir.path()).unwrap();
        assert_eq!(secrets.len(), 2);
        assert_eq!(secrets[0].zone, Name::from_str("bind.test.").unwrap());
        assert_eq!(file_stem(&secrets[0]), "Kbind.test.+013+62782");
        assert_eq!(file_stem(&secrets[1]), "Kexample.com.+015+03613");
        let dnskey = Dnskey::csk(secrets[0].algorithm, &secrets[0].public_key);
        assert_eq!(
            crate::dnssec::records::ds_text(&dnskey.ds_rdata(&secrets[0].zone)),
            "62782 13 2 6404A2D80743AFA9094C2D6F7320CF04D52006DAB6D71CEBB5A9B43F259C8007"
        );
    }

    #[test]
    fn generated_pairs_round_trip_and_mismatches_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let zone = Name::from_str("Gen.Test.").unwrap();
        for algorithm in [Algorithm::EcdsaP256Sha256, Algorithm::Ed25519] {
            let secret = generate(&zone, algorithm).unwrap();
            let (_, private) = write_pair(dir.path(), &secret).unwrap();
            assert_eq!(read_pair(&private).unwrap(), secret);
            assert!(
                write_pair(dir.path(), &secret)
                    .unwrap_err()
                    .contains("exists already")
            );
        }
        // A private key that is not the public key's.
        let a = generate(&zone, Algorithm::Ed25519).unwrap();
        let b = generate(&zone, Algorithm::Ed25519).unwrap();
        let stem = dir.path().join("Kbad.");
        std::fs::write(stem.with_extension("key"), key_file_text(&a)).unwrap();
        std::fs::write(stem.with_extension("private"), private_file_text(&b)).unwrap();
        let error = read_pair(&stem.with_extension("private")).unwrap_err();
        assert!(
            error.contains("Kbad.private") && error.contains("not an Ed25519 key pair"),
            "{error}"
        );
    }
}
