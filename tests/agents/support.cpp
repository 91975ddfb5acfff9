#include "tests/agents/support.h"

#include <crypt.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "common/diagnostics.h"

namespace egov::agent::testing {
namespace fs = std::filesystem;

namespace {

struct OpenSslFree {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslFree>;
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

// Builds a certificate for `cn` with `key`, signed by `issuer_key` as `issuer` (self when null).
X509Ptr Build(const std::string& cn, EVP_PKEY* key, int days, X509* issuer, EVP_PKEY* issuer_key,
              bool ca) {
  X509Ptr x(X509_new());
  Check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++ + ::getpid() * 1000L);
  const long not_after = static_cast<long>(days) * 86400;
  X509_gmtime_adj(X509_getm_notBefore(x.get()), std::min(-3600L, not_after - 2 * 86400));
  X509_gmtime_adj(X509_getm_notAfter(x.get()), not_after);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  const std::string san = "DNS:localhost,IP:127.0.0.1,DNS:" + cn;
  const std::pair<int, std::string> exts[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE"},
      {NID_key_usage, ca ? "critical,keyCertSign,digitalSignature" : "digitalSignature"}};
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    Check(ext != nullptr, "extension");
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  Check(X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return x;
}

CertFiles Save(const fs::path& dir, const std::string& stem, X509* x, EVP_PKEY* key) {
  CertFiles f{dir / (stem + ".crt"), dir / (stem + ".key")};
  std::FILE* out = std::fopen(f.cert.c_str(), "w");
  Check(out && PEM_write_X509(out, x) == 1, "write certificate");
  std::fclose(out);
  out = std::fopen(f.key.c_str(), "w");
  Check(out && PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  std::fclose(out);
  fs::permissions(f.key, fs::perms::owner_read | fs::perms::owner_write);  // as the agent asks
  return f;
}

}  // namespace

CertFiles MakeCertificate(const fs::path& dir, const std::string& stem,
                          const std::string& common_name, int days) {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  X509Ptr x = Build(common_name, key.get(), days, nullptr, nullptr, true);
  return Save(dir, stem, x.get(), key.get());
}

CertFiles MakeSignedCertificate(const fs::path& dir, const std::string& stem,
                                const std::string& common_name, const CertFiles& ca) {
  std::FILE* in = std::fopen(ca.cert.c_str(), "r");
  Check(in != nullptr, "open CA certificate");
  X509Ptr ca_cert(PEM_read_X509(in, nullptr, nullptr, nullptr));
  std::fclose(in);
  in = std::fopen(ca.key.c_str(), "r");
  Check(in != nullptr, "open CA key");
  KeyPtr ca_key(PEM_read_PrivateKey(in, nullptr, nullptr, nullptr));
  std::fclose(in);
  Check(ca_cert && ca_key, "read CA");
  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr x = Build(common_name, key.get(), 30, ca_cert.get(), ca_key.get(), false);
  return Save(dir, stem, x.get(), key.get());
}

std::string HttpReply::Header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpReply Fetch(int port, const HttpRequest& r) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (r.tls) {
    auto ssl = r.client_cert.cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                                          : std::make_unique<httplib::SSLClient>(
                                                "127.0.0.1", port, r.client_cert.cert.string(),
                                                r.client_cert.key.string());
    if (!r.ca_file.empty()) ssl->set_ca_cert_path(r.ca_file.c_str());
    ssl->enable_server_certificate_verification(!r.ca_file.empty());
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>("127.0.0.1", port);
  }
  const auto t = std::chrono::milliseconds(r.timeout_ms);
  client->set_connection_timeout(t);
  client->set_read_timeout(t);
  client->set_write_timeout(t);
  if (!r.user.empty()) client->set_basic_auth(r.user.c_str(), r.password.c_str());
  httplib::Result res = r.method == "HEAD"   ? client->Head(r.path.c_str())
                        : r.method == "POST" ? client->Post(r.path.c_str(), "x", "text/plain")
                                             : client->Get(r.path.c_str());
  HttpReply reply;
  if (!res) return reply;
  reply.status = res->status;
  reply.body = res->body;
  for (const auto& [k, v] : res->headers) reply.headers.emplace(k, v);
  return reply;
}

bool WaitForBody(int port, const std::string& path,
                 const std::function<bool(const std::string&)>& pred,
                 std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    const auto r = Fetch(port, {.path = path});
    if (r.status == 200 && pred(r.body)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::string ConfigErrors(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const ConfigError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += FormatDiagnostic(d) + "\n";
    return out;
  }
  return "";
}

std::string BcryptHash(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt) == nullptr) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), salt, data.get());
  if (hash == nullptr || hash[0] == '*') throw std::runtime_error("crypt_r failed");
  return hash;
}

}  // namespace egov::agent::testing
