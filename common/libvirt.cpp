// libvirt is loaded (dlopen) at the first call, not linked. Measured on the project's machine
// (hyperfine, an empty main), a program starts in 2.5 ms linking neither libvirt nor libcurl,
// 21 ms with libvirt, 15 ms with libcurl and 34 ms with both; `egov-agent scan` (issue 21: a
// whole scan in 50 ms) needs libvirt only for a libvirt_domains rule with a `uri`.
//
// The pattern every function here follows (and a new one, e.g. for storage volumes, too):
//   - each libvirt function is called through VIR(): `VIR(virDomainCreate)(dom)`, looked up once
//     per call site. egov_libvirt links no -lvirt, so a call written without VIR() fails to link;
//   - every object libvirt returns is owned at once by its unique_ptr (DomainPtr, NetworkPtr,
//     PoolPtr; a new kind gets its deleter in libvirt.h, defined below with the others);
//   - a call that fails throws Error at once (ThrowLastError, ThrowDomainError, ...), before any
//     other libvirt call resets the thread's error; lookups return nullptr for "not found".
#include "common/libvirt.h"

#include <libvirt/virterror.h>
#include <libxml/catalog.h>
#include <libxml/parser.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/shared_library.h"

namespace egov::libvirt {
namespace {

const SharedLibrary& Library() {
  try {
    static const SharedLibrary lib("libvirt.so.0");
    return lib;
  } catch (const std::runtime_error& e) {
    throw Error(e.what(), VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE, false);
  }
}

#define VIR(fn) EGOV_DLSYM(Library(), fn)

void SilentErrorHandler(void*, virErrorPtr) {}

[[noreturn]] void ThrowLastError(const std::string& what, virConnectPtr conn);

// A string libvirt allocated (not null), copied and freed.
std::string Owned(char* s) {
  std::string out(s);
  free(s);
  return out;
}

// The same, for a call that returns null on failure: that throws its error.
std::string TakeString(char* s, const std::string& what, virConnectPtr conn) {
  if (!s) ThrowLastError(what, conn);
  return Owned(s);
}

// NOT_FOUND-style lookups return nullptr instead of throwing.
bool IsNotFound(int code) {
  return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_NO_NETWORK ||
         code == VIR_ERR_NO_STORAGE_POOL || code == VIR_ERR_NO_STORAGE_VOL;
}

// The callback writes into the Connection, which unregisters it before it goes away.
void OnClose(virConnectPtr, int reason, void* opaque) {
  static_cast<std::atomic<int>*>(opaque)->store(reason);
}

struct SavedError {
  int code = VIR_ERR_INTERNAL_ERROR;
  int domain = VIR_FROM_NONE;
  std::string message;
};

// Copies and clears this thread's error; must run before any other libvirt call, since every
// public libvirt function resets it.
SavedError SaveError() {
  SavedError e;
  if (virErrorPtr err = VIR(virGetLastError)()) {
    e.code = err->code;
    e.domain = err->domain;
    e.message = err->message ? err->message : "";
  }
  VIR(virResetLastError)();
  return e;
}

[[noreturn]] void Throw(const SavedError& e, const std::string& what, virConnectPtr conn) {
  bool lost = e.code == VIR_ERR_NO_CONNECT || e.code == VIR_ERR_RPC ||
              (e.domain == VIR_FROM_RPC && e.code == VIR_ERR_SYSTEM_ERROR);
  if (conn && VIR(virConnectIsAlive)(conn) == 0) lost = true;
  VIR(virResetLastError)();
  // A call cut short by a keepalive timeout returns -1 without setting an error.
  const std::string message = !e.message.empty() ? e.message
                              : lost             ? "connection to the host was lost"
                                                 : "unknown libvirt error";
  throw Error(what + ": " + message, e.code, e.domain, lost);
}

void ThrowLastError(const std::string& what, virConnectPtr conn) { Throw(SaveError(), what, conn); }

// Throws the error of a call on `object`: "WHAT NAME: ...", `unnamed` for a nameless object.
// The error is saved first, since asking for the name and connection (libvirt calls too) can
// reset it; `conn_of` may be null when a lost connection does not matter to the caller.
template <typename Object>
[[noreturn]] void ThrowAbout(Object object, const char* (*name_of)(Object),
                             virConnectPtr (*conn_of)(Object), const std::string& what,
                             const char* unnamed) {
  const SavedError e = SaveError();
  const char* name = name_of(object);
  Throw(e, what + (name ? name : unnamed), conn_of ? conn_of(object) : nullptr);
}

[[noreturn]] void ThrowDomainError(virDomainPtr dom, const std::string& action) {
  ThrowAbout(dom, VIR(virDomainGetName), VIR(virDomainGetConnect), action + " ", "a domain");
}

// "stopping network NAME: ..."
[[noreturn]] void ThrowNetworkError(virNetworkPtr net, const std::string& action) {
  ThrowAbout<virNetworkPtr>(net, VIR(virNetworkGetName), nullptr, action + " network ", "?");
}

[[noreturn]] void ThrowPoolError(virStoragePoolPtr pool, const std::string& action) {
  ThrowAbout<virStoragePoolPtr>(pool, VIR(virStoragePoolGetName), nullptr,
                                action + " storage pool ", "?");
}

// The `n` objects of a list libvirt returned, each owned by its Ptr; frees the list itself.
template <typename Ptr, typename Raw>
std::vector<Ptr> OwnAll(Raw* list, int n) {
  std::vector<Ptr> out(list, list + n);
  free(list);
  return out;
}

// Every object a virConnectListAll* function lists, each owned by its Ptr; its error is thrown.
template <typename Ptr, typename Raw>
std::vector<Ptr> ListAll(virConnectPtr conn, int (*list)(virConnectPtr, Raw**, unsigned int),
                         unsigned int flags, const std::string& what) {
  Raw* items = nullptr;
  const int n = list(conn, &items, flags);
  if (n < 0) ThrowLastError(what, conn);
  return OwnAll<Ptr>(items, n);
}

template <typename Ptr, typename Raw>
Ptr OrNotFound(Raw raw, virConnectPtr conn, const std::string& what) {
  if (raw) return Ptr(raw);
  virErrorPtr err = VIR(virGetLastError)();
  if (err && IsNotFound(err->code)) {
    VIR(virResetLastError)();
    return nullptr;
  }
  ThrowLastError(what, conn);
}

// libxml2 2.9 (Debian 12), which libvirt parses with, builds some of its global state on first
// use without a lock: its catalog, consulted when a file to parse is not there (a simulated
// host's file that cannot be read). Two threads opening their first connections together each
// built one, leaking the other (and sharing neither mutex). Built here once, before any thread
// parses.
void InitializeLibxml2() {
  xmlInitParser();
  xmlInitializeCatalog();
}

// Registers libvirt's default event loop and runs it in one background thread, once per
// process; keepalive and close callbacks need it. Also installs a silent error handler and
// initializes libxml2. Runs before the first connection is opened.
void EnsureEventLoop() {
  static std::once_flag once;
  std::call_once(once, [] {
    VIR(virSetErrorFunc)(nullptr, SilentErrorHandler);
    InitializeLibxml2();
    if (VIR(virInitialize)() < 0 || VIR(virEventRegisterDefaultImpl)() < 0) {
      ThrowLastError("starting the libvirt event loop", nullptr);
    }
    // The loop runs for the life of the process; libvirt offers no way to stop it cleanly.
    std::thread([] {
      for (;;) VIR(virEventRunDefaultImpl)();
    }).detach();
  });
}

}  // namespace

void Release::operator()(virConnectPtr conn) const { VIR(virConnectClose)(conn); }
void Release::operator()(virDomainPtr dom) const { VIR(virDomainFree)(dom); }
void Release::operator()(virNetworkPtr net) const { VIR(virNetworkFree)(net); }
void Release::operator()(virStoragePoolPtr pool) const { VIR(virStoragePoolFree)(pool); }
void Release::operator()(virStorageVolPtr vol) const { VIR(virStorageVolFree)(vol); }
void Release::operator()(virStreamPtr stream) const { VIR(virStreamFree)(stream); }

std::unique_ptr<Connection> Connection::Open(const std::string& uri, const OpenOptions& options) {
  if (options.open_timeout.count() > 0) {
    OpenOptions unbounded = options;
    unbounded.open_timeout = {};
    return CallWithTimeout(options.open_timeout, "cannot connect to " + uri,
                           [uri, unbounded] { return Open(uri, unbounded); });
  }
  EnsureEventLoop();
  ConnectionPtr owned(VIR(virConnectOpenAuth)(uri.c_str(), *VIR(virConnectAuthPtrDefault),
                                              options.read_only ? VIR_CONNECT_RO : 0));
  if (!owned) ThrowLastError("cannot connect to " + uri, nullptr);
  const virConnectPtr conn = owned.get();
  std::unique_ptr<Connection> c(new Connection(std::move(owned), uri));
  if (options.keepalive_interval > 0 &&
      VIR(virConnectSetKeepAlive)(conn, options.keepalive_interval, options.keepalive_count) < 0) {
    // Local drivers (test, qemu:///system over a unix socket still supports it) may not.
    virErrorPtr err = VIR(virGetLastError)();
    if (!err || err->code != VIR_ERR_NO_SUPPORT) ThrowLastError("keepalive on " + uri, conn);
    VIR(virResetLastError)();
  }
  return c;
}

Connection::Connection(ConnectionPtr conn, std::string uri)
    : conn_(std::move(conn)), uri_(std::move(uri)) {
  if (VIR(virConnectRegisterCloseCallback)(conn_.get(), OnClose, &close_reason_, nullptr) < 0) {
    VIR(virResetLastError)();  // not supported by this driver: no close events
  }
}

Connection::~Connection() {
  // Fails harmlessly when the driver had no close callback. conn_ closes the connection after.
  VIR(virConnectUnregisterCloseCallback)(conn_.get(), OnClose);
  VIR(virResetLastError)();
}

bool Connection::IsAlive() const { return VIR(virConnectIsAlive)(conn_.get()) == 1; }

void Connection::Throw(const std::string& what) const { ThrowLastError(what, conn_.get()); }

int Connection::RegisterDomainEvent(int event_id, virConnectDomainEventGenericCallback callback,
                                    void* opaque, virFreeCallback free_opaque) const {
  const int registration = VIR(virConnectDomainEventRegisterAny)(conn_.get(), nullptr, event_id,
                                                                 callback, opaque, free_opaque);
  if (registration < 0) VIR(virResetLastError)();
  return registration;
}

void Connection::DeregisterDomainEvent(int registration) const {
  // Fails only when the connection is gone, which ends its registrations anyway.
  if (VIR(virConnectDomainEventDeregisterAny)(conn_.get(), registration) < 0)
    VIR(virResetLastError)();
}

std::string Connection::Type() const {
  const char* type = VIR(virConnectGetType)(conn_.get());  // static: not to be freed
  if (!type) Throw("driver of " + uri_);
  return type;
}

virNodeInfo Connection::NodeInfo() const {
  virNodeInfo info{};
  if (VIR(virNodeGetInfo)(conn_.get(), &info) < 0) Throw("node info of " + uri_);
  return info;
}

std::string Connection::Capabilities() const {
  return TakeString(VIR(virConnectGetCapabilities)(conn_.get()), "capabilities of " + uri_,
                    conn_.get());
}

std::vector<DomainPtr> Connection::ListAllDomains(unsigned flags) const {
  return ListAll<DomainPtr>(conn_.get(), VIR(virConnectListAllDomains), flags,
                            "listing domains on " + uri_);
}

DomainPtr Connection::LookupDomainByUuid(const std::string& uuid) const {
  return OrNotFound<DomainPtr>(VIR(virDomainLookupByUUIDString)(conn_.get(), uuid.c_str()),
                               conn_.get(), "looking up domain " + uuid + " on " + uri_);
}

DomainPtr Connection::DefineDomain(const std::string& xml, bool validate) const {
  virDomainPtr dom = VIR(virDomainDefineXMLFlags)(conn_.get(), xml.c_str(),
                                                  validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0);
  if (!dom) Throw("defining a domain on " + uri_);
  return DomainPtr(dom);
}

std::vector<NetworkPtr> Connection::ListAllNetworks() const {
  return ListAll<NetworkPtr>(conn_.get(), VIR(virConnectListAllNetworks), 0,
                             "listing networks on " + uri_);
}

NetworkPtr Connection::LookupNetwork(const std::string& name) const {
  return OrNotFound<NetworkPtr>(VIR(virNetworkLookupByName)(conn_.get(), name.c_str()), conn_.get(),
                                "looking up network " + name + " on " + uri_);
}

std::vector<PoolPtr> Connection::ListAllStoragePools() const {
  return ListAll<PoolPtr>(conn_.get(), VIR(virConnectListAllStoragePools), 0,
                          "listing storage pools on " + uri_);
}

PoolPtr Connection::LookupStoragePool(const std::string& name) const {
  return OrNotFound<PoolPtr>(VIR(virStoragePoolLookupByName)(conn_.get(), name.c_str()),
                             conn_.get(), "looking up storage pool " + name + " on " + uri_);
}

NetworkPtr Connection::DefineNetwork(const std::string& xml) const {
  virNetworkPtr net = VIR(virNetworkDefineXML)(conn_.get(), xml.c_str());
  if (!net) Throw("defining a network on " + uri_);
  return NetworkPtr(net);
}

PoolPtr Connection::DefineStoragePool(const std::string& xml) const {
  virStoragePoolPtr pool = VIR(virStoragePoolDefineXML)(conn_.get(), xml.c_str(), 0);
  if (!pool) Throw("defining a storage pool on " + uri_);
  return PoolPtr(pool);
}

DomainPtr Connection::MigrateHere(virDomainPtr dom, const MigrateOptions& o) const {
  virTypedParameterPtr params = nullptr;
  int n = 0;
  int max = 0;
  struct Free {
    virTypedParameterPtr& p;
    int& n;
    ~Free() { VIR(virTypedParamsFree)(p, n); }
  } const free_params{params, n};
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty() && VIR(virTypedParamsAddString)(&params, &n, &max, name, value.c_str()) < 0)
      Throw(std::string("migration parameter ") + name);
  };
  add(VIR_MIGRATE_PARAM_DEST_XML, o.dest_xml);
  add(VIR_MIGRATE_PARAM_PERSIST_XML, o.dest_xml);
  add(VIR_MIGRATE_PARAM_URI, o.uri);
  add(VIR_MIGRATE_PARAM_LISTEN_ADDRESS, o.listen_address);
  unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE |
                   VIR_MIGRATE_NON_SHARED_DISK;
  if (o.tls) flags |= VIR_MIGRATE_TLS;
  virDomainPtr moved =
      VIR(virDomainMigrate3)(dom, conn_.get(), params, static_cast<unsigned>(n), flags);
  if (!moved) ThrowDomainError(dom, "migrating to " + uri_);
  return DomainPtr(moved);
}

DomainInfo GetDomainInfo(virDomainPtr dom) {
  DomainInfo d;
  const char* name = VIR(virDomainGetName)(dom);
  if (!name) ThrowDomainError(dom, "name of");
  d.name = name;
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (VIR(virDomainGetUUIDString)(dom, uuid) < 0) ThrowDomainError(dom, "UUID of");
  d.uuid = uuid;
  virDomainInfo info{};
  if (VIR(virDomainGetInfo)(dom, &info) < 0) ThrowDomainError(dom, "state of");
  d.state = info.state;
  d.vcpus = info.nrVirtCpu;
  d.max_memory_kib = info.maxMem;
  d.memory_kib = info.memory;
  d.cpu_time_ns = info.cpuTime;
  const int persistent = VIR(virDomainIsPersistent)(dom);
  if (persistent < 0) ThrowDomainError(dom, "persistence of");
  d.persistent = persistent == 1;
  return d;
}

std::string GetDomainXml(virDomainPtr dom, unsigned flags) {
  char* xml = VIR(virDomainGetXMLDesc)(dom, flags);
  if (!xml) ThrowDomainError(dom, "XML of");
  return Owned(xml);
}

std::optional<std::string> GetDomainMetadata(virDomainPtr dom, const std::string& ns_uri,
                                             unsigned flags) {
  char* xml = VIR(virDomainGetMetadata)(dom, VIR_DOMAIN_METADATA_ELEMENT, ns_uri.c_str(), flags);
  if (!xml) {
    virErrorPtr err = VIR(virGetLastError)();
    if (err && err->code == VIR_ERR_NO_DOMAIN_METADATA) {
      VIR(virResetLastError)();
      return std::nullopt;
    }
    ThrowDomainError(dom, "metadata of");
  }
  return Owned(xml);
}

bool DomainIsActive(virDomainPtr dom) {
  const int active = VIR(virDomainIsActive)(dom);
  if (active < 0) ThrowDomainError(dom, "state of");
  return active == 1;
}

void StartDomain(virDomainPtr dom) {
  if (VIR(virDomainCreate)(dom) < 0) ThrowDomainError(dom, "starting");
}

void EnsureDomainRunning(virDomainPtr dom) {
  int state = 0;
  int reason = 0;
  if (VIR(virDomainGetState)(dom, &state, &reason, 0) < 0) ThrowDomainError(dom, "state of");
  if (state == VIR_DOMAIN_PAUSED) {
    // A guest whose QEMU was still starting when its daemon died never ran, and the restarted
    // daemon may hold it busy ("cannot acquire state change lock"): power it off (which does
    // not wait for that lock) and start it afresh. Any other pause is resumed.
    bool restart = reason == VIR_DOMAIN_PAUSED_STARTING_UP;
    if (!restart && VIR(virDomainResume)(dom) < 0) {
      virErrorPtr err = VIR(virGetLastError)();
      if (!err || err->code != VIR_ERR_OPERATION_TIMEOUT) ThrowDomainError(dom, "resuming");
      VIR(virResetLastError)();
      restart = true;
    }
    if (restart) {
      if (VIR(virDomainDestroy)(dom) < 0) ThrowDomainError(dom, "stopping");
      StartDomain(dom);
    }
    return;
  }
  if (!DomainIsActive(dom)) StartDomain(dom);
}

void StopDomain(virDomainPtr dom) {
  if (DomainIsActive(dom) && VIR(virDomainDestroy)(dom) < 0) ThrowDomainError(dom, "stopping");
}

void UndefineDomain(virDomainPtr dom) {
  // No NVRAM flag: egovctl defines no UEFI domains, and the test driver rejects the flag.
  const unsigned flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
  if (VIR(virDomainUndefineFlags)(dom, flags) < 0) ThrowDomainError(dom, "undefining");
}

std::string NetworkName(virNetworkPtr net) {
  const char* name = VIR(virNetworkGetName)(net);
  if (!name) ThrowLastError("name of a network", nullptr);
  return name;
}

std::string StoragePoolName(virStoragePoolPtr pool) {
  const char* name = VIR(virStoragePoolGetName)(pool);
  if (!name) ThrowLastError("name of a storage pool", nullptr);
  return name;
}

std::string GetNetworkXml(virNetworkPtr net) {
  return TakeString(VIR(virNetworkGetXMLDesc)(net, 0), "XML of a network", nullptr);
}

std::string GetStoragePoolXml(virStoragePoolPtr pool) {
  return TakeString(VIR(virStoragePoolGetXMLDesc)(pool, 0), "XML of a storage pool", nullptr);
}

bool NetworkIsActive(virNetworkPtr net) {
  const int r = VIR(virNetworkIsActive)(net);
  if (r < 0) ThrowLastError("state of a network", nullptr);
  return r == 1;
}

bool StoragePoolIsActive(virStoragePoolPtr pool) {
  const int r = VIR(virStoragePoolIsActive)(pool);
  if (r < 0) ThrowLastError("state of a storage pool", nullptr);
  return r == 1;
}

void StartNetwork(virNetworkPtr net) {
  if (VIR(virNetworkCreate)(net) < 0) ThrowLastError("starting a network", nullptr);
}

void StartStoragePool(virStoragePoolPtr pool) {
  if (VIR(virStoragePoolBuild)(pool, 0) < 0) {
    ThrowLastError("building a storage pool", nullptr);
  }
  if (VIR(virStoragePoolCreate)(pool, 0) < 0) {
    ThrowLastError("starting a storage pool", nullptr);
  }
}

void RemoveNetwork(virNetworkPtr net) {
  if (NetworkIsActive(net) && VIR(virNetworkDestroy)(net) < 0) ThrowNetworkError(net, "stopping");
  if (VIR(virNetworkUndefine)(net) < 0) ThrowNetworkError(net, "undefining");
}

void RemoveStoragePool(virStoragePoolPtr pool) {
  if (StoragePoolIsActive(pool) && VIR(virStoragePoolDestroy)(pool) < 0) {
    ThrowPoolError(pool, "stopping");
  }
  // The directory goes only when empty; what is left in it is the operator's to see.
  if (VIR(virStoragePoolDelete)(pool, 0) < 0) VIR(virResetLastError)();
  if (VIR(virStoragePoolUndefine)(pool) < 0) ThrowPoolError(pool, "undefining");
}

namespace {

// "creating a volume in storage pool NAME: ..."
[[noreturn]] void ThrowInPoolError(virStoragePoolPtr pool, const std::string& what) {
  ThrowAbout(pool, VIR(virStoragePoolGetName), VIR(virStoragePoolGetConnect),
             what + " in storage pool ", "?");
}

[[noreturn]] void ThrowVolumeError(virStorageVolPtr vol, const std::string& what) {
  ThrowAbout(vol, VIR(virStorageVolGetName), VIR(virStorageVolGetConnect), what + " volume ", "?");
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

// Every volume of `pool`, each owned.
std::vector<VolumePtr> AllVolumes(virStoragePoolPtr pool) {
  virStorageVolPtr* vols = nullptr;
  const int n = VIR(virStoragePoolListAllVolumes)(pool, &vols, 0);
  if (n < 0) ThrowInPoolError(pool, "listing volumes");
  return OwnAll<VolumePtr>(vols, n);
}

// The volume as libvirt writes it.
std::string VolumeXml(virStorageVolPtr vol) {
  char* xml = VIR(virStorageVolGetXMLDesc)(vol, 0);
  if (!xml) ThrowVolumeError(vol, "XML of");
  return Owned(xml);
}

}  // namespace

VolumePtr LookupVolume(virStoragePoolPtr pool, const std::string& name) {
  return OrNotFound<VolumePtr>(VIR(virStorageVolLookupByName)(pool, name.c_str()),
                               VIR(virStoragePoolGetConnect)(pool), "looking up volume " + name);
}

VolumePtr CreateVolume(virStoragePoolPtr pool, const std::string& xml) {
  virStorageVolPtr vol = VIR(virStorageVolCreateXML)(pool, xml.c_str(), 0);
  if (!vol) ThrowInPoolError(pool, "creating a volume");
  return VolumePtr(vol);
}

StorageVolume GetVolume(virStorageVolPtr vol) {
  auto parsed = ParseVolumeXml(VolumeXml(vol));
  if (!parsed) {
    throw Error("libvirt gave unreadable XML for a volume", VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                false);
  }
  return *parsed;
}

std::vector<StorageVolume> ListVolumes(virStoragePoolPtr pool) {
  std::vector<StorageVolume> out;
  for (const auto& v : AllVolumes(pool)) out.push_back(GetVolume(v.get()));
  return out;
}

std::vector<std::string> ListVolumeXml(virStoragePoolPtr pool) {
  std::vector<std::string> out;
  for (const auto& v : AllVolumes(pool)) out.push_back(VolumeXml(v.get()));
  return out;
}

void DeleteVolume(virStorageVolPtr vol) {
  if (VIR(virStorageVolDelete)(vol, 0) < 0) ThrowVolumeError(vol, "deleting");
}

void UploadVolume(virStorageVolPtr vol, int fd, uint64_t length,
                  const std::function<void(uint64_t)>& progress) {
  const char* name = VIR(virStorageVolGetName)(vol);
  const std::string what = std::string("uploading to volume ") + (name ? name : "?");
  StreamPtr stream(VIR(virStreamNew)(VIR(virStorageVolGetConnect)(vol), 0));
  if (!stream) ThrowVolumeError(vol, "opening a stream to");
  if (VIR(virStorageVolUpload)(vol, stream.get(), 0, length, 0) < 0) {
    ThrowVolumeError(vol, "uploading to");
  }
  Upload u{fd, length, progress, 0, 0, nullptr};
  // On failure virStreamSendAll has aborted the stream already.
  if (VIR(virStreamSendAll)(stream.get(), ReadChunk, &u) < 0) {
    if (u.failure) std::rethrow_exception(u.failure);
    if (u.read_errno) {
      VIR(virResetLastError)();
      throw Error(what + ": reading the source: " + std::strerror(u.read_errno),
                  VIR_ERR_OPERATION_FAILED, VIR_FROM_STREAMS, false);
    }
    ThrowVolumeError(vol, "uploading to");
  }
  if (u.sent != length) {
    VIR(virStreamAbort)(stream.get());
    VIR(virResetLastError)();
    throw Error(what + ": the source ended after " + std::to_string(u.sent) + " of " +
                    std::to_string(length) + " bytes",
                VIR_ERR_OPERATION_FAILED, VIR_FROM_STREAMS, false);
  }
  if (VIR(virStreamFinish)(stream.get()) < 0) ThrowVolumeError(vol, "finishing the upload to");
}

}  // namespace egov::libvirt
