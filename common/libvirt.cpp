#include "common/libvirt.h"

#include <libvirt/virterror.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace egov::libvirt {
namespace {

void SilentErrorHandler(void*, virErrorPtr) {}

std::string TakeString(char* s, const std::string& what, virConnectPtr conn) {
  if (!s) ThrowLastError(what, conn);
  std::string out(s);
  free(s);
  return out;
}

// NOT_FOUND-style lookups return nullptr instead of throwing.
bool IsNotFound(int code) {
  return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_NO_NETWORK || code == VIR_ERR_NO_STORAGE_POOL;
}

// The callback writes into the Connection, which unregisters it before it goes away.
void OnClose(virConnectPtr, int reason, void* opaque) {
  static_cast<std::atomic<int>*>(opaque)->store(reason);
}

}  // namespace

namespace {

struct SavedError {
  int code = VIR_ERR_INTERNAL_ERROR;
  int domain = VIR_FROM_NONE;
  std::string message;
};

// Copies and clears this thread's error; must run before any other libvirt call, since every
// public libvirt function resets it.
SavedError SaveError() {
  SavedError e;
  if (virErrorPtr err = virGetLastError()) {
    e.code = err->code;
    e.domain = err->domain;
    e.message = err->message ? err->message : "";
  }
  virResetLastError();
  return e;
}

[[noreturn]] void Throw(const SavedError& e, const std::string& what, virConnectPtr conn) {
  bool lost = e.code == VIR_ERR_NO_CONNECT || e.code == VIR_ERR_RPC ||
              (e.domain == VIR_FROM_RPC && e.code == VIR_ERR_SYSTEM_ERROR);
  if (conn && virConnectIsAlive(conn) == 0) lost = true;
  virResetLastError();
  // A call cut short by a keepalive timeout returns -1 without setting an error.
  const std::string message = !e.message.empty() ? e.message
                              : lost             ? "connection to the host was lost"
                                                 : "unknown libvirt error";
  throw Error(what + ": " + message, e.code, e.domain, lost);
}

[[noreturn]] void ThrowDomainError(virDomainPtr dom, const std::string& action) {
  const SavedError e = SaveError();
  const char* name = virDomainGetName(dom);
  Throw(e, action + " " + (name ? name : "a domain"), virDomainGetConnect(dom));
}

}  // namespace

void ThrowLastError(const std::string& what, virConnectPtr conn) { Throw(SaveError(), what, conn); }

void EnsureEventLoop() {
  static std::once_flag once;
  std::call_once(once, [] {
    virSetErrorFunc(nullptr, SilentErrorHandler);
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
      ThrowLastError("starting the libvirt event loop", nullptr);
    }
    // The loop runs for the life of the process; libvirt offers no way to stop it cleanly.
    std::thread([] {
      for (;;) virEventRunDefaultImpl();
    }).detach();
  });
}

std::unique_ptr<Connection> Connection::Open(const std::string& uri, const OpenOptions& options) {
  EnsureEventLoop();
  virConnectPtr conn = virConnectOpenAuth(uri.c_str(), virConnectAuthPtrDefault,
                                          options.read_only ? VIR_CONNECT_RO : 0);
  if (!conn) ThrowLastError("cannot connect to " + uri, nullptr);
  std::unique_ptr<Connection> c(new Connection(conn, uri));
  if (options.keepalive_interval > 0 &&
      virConnectSetKeepAlive(conn, options.keepalive_interval, options.keepalive_count) < 0) {
    // Local drivers (test, qemu:///system over a unix socket still supports it) may not.
    virErrorPtr err = virGetLastError();
    if (!err || err->code != VIR_ERR_NO_SUPPORT) ThrowLastError("keepalive on " + uri, conn);
    virResetLastError();
  }
  return c;
}

Connection::Connection(virConnectPtr conn, std::string uri) : conn_(conn), uri_(std::move(uri)) {
  if (virConnectRegisterCloseCallback(conn_, OnClose, &close_reason_, nullptr) < 0) {
    virResetLastError();  // not supported by this driver: no close events
  }
}

Connection::~Connection() {
  // Fails harmlessly when the driver had no close callback.
  virConnectUnregisterCloseCallback(conn_, OnClose);
  virResetLastError();
  virConnectClose(conn_);
}

bool Connection::IsAlive() const { return virConnectIsAlive(conn_) == 1; }

void Connection::Throw(const std::string& what) const { ThrowLastError(what, conn_); }

std::string Connection::Hostname() const {
  return TakeString(virConnectGetHostname(conn_), "hostname of " + uri_, conn_);
}

virNodeInfo Connection::NodeInfo() const {
  virNodeInfo info{};
  if (virNodeGetInfo(conn_, &info) < 0) Throw("node info of " + uri_);
  return info;
}

std::string Connection::Capabilities() const {
  return TakeString(virConnectGetCapabilities(conn_), "capabilities of " + uri_, conn_);
}

std::vector<DomainPtr> Connection::ListAllDomains(unsigned flags) const {
  virDomainPtr* doms = nullptr;
  const int n = virConnectListAllDomains(conn_, &doms, flags);
  if (n < 0) Throw("listing domains on " + uri_);
  std::vector<DomainPtr> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.emplace_back(doms[i]);
  free(doms);
  return out;
}

namespace {

template <typename Ptr, typename Raw>
Ptr OrNotFound(Raw raw, const Connection& c, const std::string& what) {
  if (raw) return Ptr(raw);
  virErrorPtr err = virGetLastError();
  if (err && IsNotFound(err->code)) {
    virResetLastError();
    return nullptr;
  }
  c.Throw(what);
}

}  // namespace

DomainPtr Connection::LookupDomainByUuid(const std::string& uuid) const {
  return OrNotFound<DomainPtr>(virDomainLookupByUUIDString(conn_, uuid.c_str()), *this,
                               "looking up domain " + uuid + " on " + uri_);
}

DomainPtr Connection::LookupDomainByName(const std::string& name) const {
  return OrNotFound<DomainPtr>(virDomainLookupByName(conn_, name.c_str()), *this,
                               "looking up domain " + name + " on " + uri_);
}

DomainPtr Connection::DefineDomain(const std::string& xml, bool validate) const {
  virDomainPtr dom =
      virDomainDefineXMLFlags(conn_, xml.c_str(), validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0);
  if (!dom) Throw("defining a domain on " + uri_);
  return DomainPtr(dom);
}

std::vector<NetworkPtr> Connection::ListAllNetworks() const {
  virNetworkPtr* nets = nullptr;
  const int n = virConnectListAllNetworks(conn_, &nets, 0);
  if (n < 0) Throw("listing networks on " + uri_);
  std::vector<NetworkPtr> out;
  for (int i = 0; i < n; ++i) out.emplace_back(nets[i]);
  free(nets);
  return out;
}

NetworkPtr Connection::LookupNetwork(const std::string& name) const {
  return OrNotFound<NetworkPtr>(virNetworkLookupByName(conn_, name.c_str()), *this,
                                "looking up network " + name + " on " + uri_);
}

std::vector<PoolPtr> Connection::ListAllStoragePools() const {
  virStoragePoolPtr* pools = nullptr;
  const int n = virConnectListAllStoragePools(conn_, &pools, 0);
  if (n < 0) Throw("listing storage pools on " + uri_);
  std::vector<PoolPtr> out;
  for (int i = 0; i < n; ++i) out.emplace_back(pools[i]);
  free(pools);
  return out;
}

PoolPtr Connection::LookupStoragePool(const std::string& name) const {
  return OrNotFound<PoolPtr>(virStoragePoolLookupByName(conn_, name.c_str()), *this,
                             "looking up storage pool " + name + " on " + uri_);
}

NetworkPtr Connection::DefineNetwork(const std::string& xml) const {
  virNetworkPtr net = virNetworkDefineXML(conn_, xml.c_str());
  if (!net) Throw("defining a network on " + uri_);
  return NetworkPtr(net);
}

PoolPtr Connection::DefineStoragePool(const std::string& xml) const {
  virStoragePoolPtr pool = virStoragePoolDefineXML(conn_, xml.c_str(), 0);
  if (!pool) Throw("defining a storage pool on " + uri_);
  return PoolPtr(pool);
}

DomainInfo GetDomainInfo(virDomainPtr dom) {
  DomainInfo d;
  const char* name = virDomainGetName(dom);
  if (!name) ThrowDomainError(dom, "name of");
  d.name = name;
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(dom, uuid) < 0) ThrowDomainError(dom, "UUID of");
  d.uuid = uuid;
  virDomainInfo info{};
  if (virDomainGetInfo(dom, &info) < 0) ThrowDomainError(dom, "state of");
  d.state = info.state;
  d.vcpus = info.nrVirtCpu;
  d.max_memory_kib = info.maxMem;
  d.memory_kib = info.memory;
  d.cpu_time_ns = info.cpuTime;
  const int persistent = virDomainIsPersistent(dom);
  if (persistent < 0) ThrowDomainError(dom, "persistence of");
  d.persistent = persistent == 1;
  return d;
}

std::string GetDomainXml(virDomainPtr dom, unsigned flags) {
  char* xml = virDomainGetXMLDesc(dom, flags);
  if (!xml) ThrowDomainError(dom, "XML of");
  std::string out(xml);
  free(xml);
  return out;
}

std::optional<std::string> GetDomainMetadata(virDomainPtr dom, const std::string& ns_uri,
                                             unsigned flags) {
  char* xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ns_uri.c_str(), flags);
  if (!xml) {
    virErrorPtr err = virGetLastError();
    if (err && err->code == VIR_ERR_NO_DOMAIN_METADATA) {
      virResetLastError();
      return std::nullopt;
    }
    ThrowDomainError(dom, "metadata of");
  }
  std::string out(xml);
  free(xml);
  return out;
}

void StartDomain(virDomainPtr dom) {
  if (virDomainCreate(dom) < 0) ThrowDomainError(dom, "starting");
}

void EnsureDomainRunning(virDomainPtr dom) {
  int state = 0;
  int reason = 0;
  if (virDomainGetState(dom, &state, &reason, 0) < 0) ThrowDomainError(dom, "state of");
  if (state == VIR_DOMAIN_PAUSED) {
    // A guest whose QEMU was still starting when its daemon died never ran, and the restarted
    // daemon may hold it busy ("cannot acquire state change lock"): power it off (which does
    // not wait for that lock) and start it afresh. Any other pause is resumed.
    bool restart = reason == VIR_DOMAIN_PAUSED_STARTING_UP;
    if (!restart && virDomainResume(dom) < 0) {
      virErrorPtr err = virGetLastError();
      if (!err || err->code != VIR_ERR_OPERATION_TIMEOUT) ThrowDomainError(dom, "resuming");
      virResetLastError();
      restart = true;
    }
    if (restart) {
      if (virDomainDestroy(dom) < 0) ThrowDomainError(dom, "stopping");
      StartDomain(dom);
    }
    return;
  }
  const int active = virDomainIsActive(dom);
  if (active < 0) ThrowDomainError(dom, "state of");
  if (active == 0) StartDomain(dom);
}

void StopDomain(virDomainPtr dom) {
  const int active = virDomainIsActive(dom);
  if (active < 0) ThrowDomainError(dom, "state of");
  if (active == 1 && virDomainDestroy(dom) < 0) ThrowDomainError(dom, "stopping");
}

void UndefineDomain(virDomainPtr dom) {
  // No NVRAM flag: egovctl defines no UEFI domains, and the test driver rejects the flag.
  const unsigned flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
  if (virDomainUndefineFlags(dom, flags) < 0) ThrowDomainError(dom, "undefining");
}

std::string GetNetworkXml(virNetworkPtr net) {
  char* xml = virNetworkGetXMLDesc(net, 0);
  if (!xml) ThrowLastError("XML of a network", nullptr);
  std::string out(xml);
  free(xml);
  return out;
}

std::string GetStoragePoolXml(virStoragePoolPtr pool) {
  char* xml = virStoragePoolGetXMLDesc(pool, 0);
  if (!xml) ThrowLastError("XML of a storage pool", nullptr);
  std::string out(xml);
  free(xml);
  return out;
}

bool NetworkIsActive(virNetworkPtr net) {
  const int r = virNetworkIsActive(net);
  if (r < 0) ThrowLastError("state of a network", nullptr);
  return r == 1;
}

bool StoragePoolIsActive(virStoragePoolPtr pool) {
  const int r = virStoragePoolIsActive(pool);
  if (r < 0) ThrowLastError("state of a storage pool", nullptr);
  return r == 1;
}

void StartNetwork(virNetworkPtr net) {
  if (virNetworkCreate(net) < 0) ThrowLastError("starting a network", nullptr);
}

void StartStoragePool(virStoragePoolPtr pool) {
  if (virStoragePoolBuild(pool, 0) < 0) {
    ThrowLastError("building a storage pool", nullptr);
  }
  if (virStoragePoolCreate(pool, 0) < 0) {
    ThrowLastError("starting a storage pool", nullptr);
  }
}

namespace {

[[noreturn]] void ThrowPoolError(virStoragePoolPtr pool, const std::string& what) {
  const SavedError e = SaveError();
  const char* name = virStoragePoolGetName(pool);
  Throw(e, what + " in storage pool " + (name ? name : "?"), virStoragePoolGetConnect(pool));
}

[[noreturn]] void ThrowVolumeError(virStorageVolPtr vol, const std::string& what) {
  const SavedError e = SaveError();
  const char* name = virStorageVolGetName(vol);
  Throw(e, what + " volume " + (name ? name : "?"), virStorageVolGetConnect(vol));
}

// What the upload's source callback shares with UploadVolume.
struct Upload {
  int fd;
  uint64_t length;
  const std::function<void(uint64_t)>& progress;
  uint64_t sent = 0;
  int read_errno = 0;
  std::exception_ptr failure;  // thrown by `progress`, rethrown after the abort
};

// Fills libvirt's buffer from the file; -1 makes virStreamSendAll abort the stream.
int ReadChunk(virStreamPtr, char* data, size_t nbytes, void* opaque) {
  auto* u = static_cast<Upload*>(opaque);
  const size_t want = static_cast<size_t>(std::min<uint64_t>(nbytes, u->length - u->sent));
  if (want == 0) return 0;
  ssize_t n = 0;
  do {
    n = ::pread(u->fd, data, want, static_cast<off_t>(u->sent));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    u->read_errno = errno;
    return -1;
  }
  u->sent += static_cast<uint64_t>(n);
  try {
    if (u->progress && n > 0) u->progress(u->sent);
  } catch (...) {
    u->failure = std::current_exception();
    return -1;
  }
  return static_cast<int>(n);
}

}  // namespace

VolumePtr LookupVolume(virStoragePoolPtr pool, const std::string& name) {
  virStorageVolPtr vol = virStorageVolLookupByName(pool, name.c_str());
  if (vol) return VolumePtr(vol);
  virErrorPtr err = virGetLastError();
  if (err && err->code == VIR_ERR_NO_STORAGE_VOL) {
    virResetLastError();
    return nullptr;
  }
  ThrowPoolError(pool, "looking up volume " + name);
}

VolumePtr CreateVolume(virStoragePoolPtr pool, const std::string& xml) {
  virStorageVolPtr vol = virStorageVolCreateXML(pool, xml.c_str(), 0);
  if (!vol) ThrowPoolError(pool, "creating a volume");
  return VolumePtr(vol);
}

StorageVolume GetVolume(virStorageVolPtr vol) {
  char* xml = virStorageVolGetXMLDesc(vol, 0);
  if (!xml) ThrowVolumeError(vol, "XML of");
  const std::string text(xml);
  free(xml);
  auto parsed = ParseVolumeXml(text);
  if (!parsed) {
    throw Error("libvirt gave unreadable XML for a volume", VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                false);
  }
  return *parsed;
}

std::vector<StorageVolume> ListVolumes(virStoragePoolPtr pool) {
  virStorageVolPtr* vols = nullptr;
  const int n = virStoragePoolListAllVolumes(pool, &vols, 0);
  if (n < 0) ThrowPoolError(pool, "listing volumes");
  std::vector<VolumePtr> owned;
  for (int i = 0; i < n; ++i) owned.emplace_back(vols[i]);
  free(vols);
  std::vector<StorageVolume> out;
  for (const auto& v : owned) out.push_back(GetVolume(v.get()));
  return out;
}

void DeleteVolume(virStorageVolPtr vol) {
  if (virStorageVolDelete(vol, 0) < 0) ThrowVolumeError(vol, "deleting");
}

void UploadVolume(virStorageVolPtr vol, int fd, uint64_t length,
                  const std::function<void(uint64_t)>& progress) {
  const char* name = virStorageVolGetName(vol);
  const std::string what = std::string("uploading to volume ") + (name ? name : "?");
  StreamPtr stream(virStreamNew(virStorageVolGetConnect(vol), 0));
  if (!stream) ThrowVolumeError(vol, "opening a stream to");
  if (virStorageVolUpload(vol, stream.get(), 0, length, 0) < 0) {
    ThrowVolumeError(vol, "uploading to");
  }
  Upload u{fd, length, progress, 0, 0, nullptr};
  // On failure virStreamSendAll has aborted the stream already.
  if (virStreamSendAll(stream.get(), ReadChunk, &u) < 0) {
    if (u.failure) std::rethrow_exception(u.failure);
    if (u.read_errno) {
      virResetLastError();
      throw Error(what + ": reading the source: " + std::strerror(u.read_errno),
                  VIR_ERR_OPERATION_FAILED, VIR_FROM_STREAMS, false);
    }
    ThrowVolumeError(vol, "uploading to");
  }
  if (u.sent != length) {
    virStreamAbort(stream.get());
    virResetLastError();
    throw Error(what + ": the source ended after " + std::to_string(u.sent) + " of " +
                    std::to_string(length) + " bytes",
                VIR_ERR_OPERATION_FAILED, VIR_FROM_STREAMS, false);
  }
  if (virStreamFinish(stream.get()) < 0) ThrowVolumeError(vol, "finishing the upload to");
}

}  // namespace egov::libvirt
