// certificate: a PEM certificate file is valid for N more days, with a strong key and signature.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "checks/scan.h"
#include "checks/types/types.h"

namespace egov::checks::types {
namespace {

struct Deleter {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct CertificateCheck : Check {
  std::string path_;
  int64_t min_days_, min_rsa_, min_ec_;

  Outcome Run(const HostContext& ctx) const override {
    const FileData data = ctx.Read(path_, 1 << 20);
    if (!data.ok()) {
      if (data.missing()) {
        return Outcome::Fail(path_ + " does not exist",
                             {{path_, 0, "absent", "a valid certificate"}});
      }
      return Outcome::Error(data.message);
    }
    std::unique_ptr<BIO, Deleter> bio(
        BIO_new_mem_buf(data.bytes.data(), static_cast<int>(data.bytes.size())));
    std::unique_ptr<X509, Deleter> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
      return Outcome::Error(path_ + ": no PEM certificate in the file",
                            {{path_, 0, "not a PEM certificate", "a valid certificate"}});
    }
    std::vector<Evidence> ev;
    std::string bad;
    auto add_bad = [&](const std::string& s) { Append(bad, s); };

    // Expiry: days from the scan's time to notAfter.
    std::tm not_after{};
    ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &not_after);
    const auto expires = std::chrono::system_clock::from_time_t(::timegm(&not_after));
    const auto days_left =
        std::chrono::duration_cast<std::chrono::hours>(expires - ctx.now()).count() / 24;
    const std::string expiry =
        "expires " + FormatTimestamp(expires) + " (" +
        (days_left < 0 ? "expired " + std::to_string(-days_left) + " days ago"
                       : std::to_string(days_left) + " days left") +
        ")";
    const size_t before = bad.size();
    if (expires <= ctx.now())
      add_bad("certificate expired on " + FormatTimestamp(expires));
    else if (days_left < min_days_)
      add_bad("certificate expires in " + std::to_string(days_left) + " days");
    std::tm not_before{};
    ASN1_TIME_to_tm(X509_get0_notBefore(cert.get()), &not_before);
    if (std::chrono::system_clock::from_time_t(::timegm(&not_before)) > ctx.now()) {
      add_bad("certificate is not valid yet");
    }
    // A certificate not valid yet is not valid for those days either.
    ev.push_back({path_, 0, expiry,
                  "valid for at least " + std::to_string(min_days_) + " more days",
                  bad.size() == before});

    // Key type and size.
    std::unique_ptr<EVP_PKEY, Deleter> key(X509_get_pubkey(cert.get()));
    const int bits = key ? EVP_PKEY_get_bits(key.get()) : 0;
    const int id = key ? EVP_PKEY_get_base_id(key.get()) : 0;
    std::string key_text = id == EVP_PKEY_RSA       ? "RSA"
                           : id == EVP_PKEY_EC      ? "EC"
                           : id == EVP_PKEY_ED25519 ? "Ed25519"
                           : id == EVP_PKEY_ED448   ? "Ed448"
                           : id == EVP_PKEY_DSA     ? "DSA"
                                                    : "unknown";
    key_text += " " + std::to_string(bits) + " bits";
    const bool weak_key = (id == EVP_PKEY_RSA && bits < min_rsa_) ||
                          (id == EVP_PKEY_EC && bits < min_ec_) || id == EVP_PKEY_DSA || !key;
    ev.push_back(
        {path_, 0, "key " + key_text,
         "RSA >= " + std::to_string(min_rsa_) + " or EC >= " + std::to_string(min_ec_) + " bits",
         !weak_key});
    if (weak_key) add_bad("weak key: " + key_text);

    // Signature algorithm: MD5 and SHA-1 are broken for certificates.
    const int nid = X509_get_signature_nid(cert.get());
    int digest = NID_undef;
    OBJ_find_sigid_algs(nid, &digest, nullptr);
    const std::string sig = OBJ_nid2ln(nid) ? OBJ_nid2ln(nid) : "unknown";
    const bool weak_sig =
        digest == NID_md5 || digest == NID_sha1 || digest == NID_md2 || digest == NID_md4;
    ev.push_back({path_, 0, "signature " + sig, "no MD5 or SHA-1", !weak_sig});
    if (weak_sig) add_bad("weak signature algorithm " + sig);
    return Verdict(bad, "certificate valid, " + key_text + ", " + sig, ev);
  }
};

}  // namespace

CheckType Certificate() {
  return Define<CertificateCheck>(
      "certificate",
      "A PEM certificate: not expired (N days left), strong key, no MD5/SHA-1 signature",
      {Required("path", &CertificateCheck::path_, ParamType::kPath,
                "PEM file; its first certificate is judged"),
       Optional("min_days_left", &CertificateCheck::min_days_, "days it must stay valid", "30"),
       Optional("min_rsa_bits", &CertificateCheck::min_rsa_, "smallest RSA key", "2048"),
       Optional("min_ec_bits", &CertificateCheck::min_ec_, "smallest elliptic-curve key", "256")});
}

}  // namespace egov::checks::types
