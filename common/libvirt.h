#pragma once

#include <libvirt/libvirt.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/storage_volume.h"

// A small RAII adapter over the libvirt C API, shared by egovctl and egov-agent (and the checks of
// egov-agent scan), which loads libvirt at its first call (libvirt.cpp says why). libvirt errors
// are read right after the failing call (thread-local, virGetLastError) and thrown as
// libvirt::Error; nothing is printed by libvirt itself. One virConnect may be used from many
// threads at once (libvirt serialises internally), but with libvirt 9.0 keepalive only ends a
// call to a frozen daemon when that call is the only one in flight on its connection: give
// each thread that calls a remote host its own Connection. A dead connection is never
// revived: open a new one.
namespace egov::libvirt {

/// A failed libvirt call, with libvirt's error code and domain (virErrorNumber, virErrorDomain).
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int code, int domain, bool connection_lost)
      : std::runtime_error(message), code_(code), domain_(domain), lost_(connection_lost) {}

  int code() const { return code_; }
  int domain() const { return domain_; }
  /// True when the host could not be reached or the connection died (keepalive, EOF): the
  /// state of the host is unknown, never "gone".
  bool connection_lost() const { return lost_; }

 private:
  int code_;
  int domain_;
  bool lost_;
};

// Frees each kind of object (closes a connection) through the loaded libvirt.
struct Release {
  void operator()(virConnectPtr conn) const;
  void operator()(virDomainPtr dom) const;
  void operator()(virNetworkPtr net) const;
  void operator()(virStoragePoolPtr pool) const;
  void operator()(virStorageVolPtr vol) const;
  void operator()(virStreamPtr stream) const;
};
using ConnectionPtr = std::unique_ptr<virConnect, Release>;
using DomainPtr = std::unique_ptr<virDomain, Release>;
using NetworkPtr = std::unique_ptr<virNetwork, Release>;
using PoolPtr = std::unique_ptr<virStoragePool, Release>;
using VolumePtr = std::unique_ptr<virStorageVol, Release>;
using StreamPtr = std::unique_ptr<virStream, Release>;

struct OpenOptions {
  int keepalive_interval = 5;    ///< seconds between probes on remote connections; 0 disables
  unsigned keepalive_count = 3;  ///< unanswered probes before the connection is declared dead
  bool read_only = false;
  /// Bound on the open itself (0: none). libvirt's open can block for ever on a daemon that
  /// accepts and never answers, and keepalive only starts once the connection is open.
  std::chrono::milliseconds open_timeout{0};
};

/// Runs `call` on a thread of its own and waits at most `timeout` for it: libvirt has no
/// timeout of its own for open, and keepalive ends a call to a frozen daemon only after
/// interval × count seconds, or never when another call is in flight. A call still running
/// then is left behind (it ends, and frees what it holds, in the background; make it hold what
/// it uses) and Error, connection_lost, is thrown: "WHAT: no answer within N s". An exception
/// from `call` propagates as it is. When `cancel` becomes true the wait ends early the same way
/// (checked every 50 ms), so that a stop is not held up by a slow daemon.
template <typename F>
auto CallWithTimeout(std::chrono::milliseconds timeout, const std::string& what, F call,
                     const std::atomic<bool>* cancel = nullptr) -> decltype(call()) {
  using T = decltype(call());
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::optional<T> value;
    std::exception_ptr error;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, call = std::move(call)]() mutable {
    std::optional<T> value;
    std::exception_ptr error;
    try {
      value.emplace(call());
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(shared->mu);
    shared->value = std::move(value);
    shared->error = error;
    shared->done = true;
    shared->cv.notify_all();
  }).detach();
  std::unique_lock lock(shared->mu);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!shared->done && std::chrono::steady_clock::now() < deadline && !(cancel && *cancel)) {
    shared->cv.wait_until(
        lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  }
  if (!shared->done) {
    if (cancel && *cancel) throw Error(what + ": abandoned at stop", 0, 0, true);
    const auto ms = timeout.count();
    throw Error(what + ": no answer within " +
                    (ms % 1000 ? std::to_string(ms) + " ms" : std::to_string(ms / 1000) + " s"),
                0, 0, true);
  }
  if (shared->error) std::rethrow_exception(shared->error);
  return std::move(*shared->value);
}

/// Basic facts of a domain.
struct DomainInfo {
  std::string name;
  std::string uuid;
  int state = VIR_DOMAIN_NOSTATE;  ///< virDomainState
  unsigned vcpus = 0;
  uint64_t max_memory_kib = 0;
  uint64_t memory_kib = 0;  ///< memory the domain has now (balloon)
  uint64_t cpu_time_ns = 0;
  bool persistent = true;
};

/// How a running domain moves to another host (Connection::MigrateHere).
struct MigrateOptions {
  std::string dest_xml;  ///< its definition on the destination (disk paths there); empty: as is
  std::string uri;       ///< where QEMU sends the memory (tcp://ADDR); empty: libvirt's choice
  std::string listen_address;  ///< where the destination's QEMU listens; empty: libvirt's choice
  bool tls = false;            ///< encrypt the memory and disk streams (VIR_MIGRATE_TLS)
};

/// One connection to one libvirt host. Thread-safe for concurrent calls.
class Connection {
 public:
  /// Opens `uri` and enables keepalive where the driver supports it, within
  /// options.open_timeout when set. Throws Error.
  static std::unique_ptr<Connection> Open(const std::string& uri, const OpenOptions& options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// False once the connection died (keepalive timeout, EOF, daemon killed).
  bool IsAlive() const;
  /// virConnectCloseReason reported by the close callback, or -1 while open.
  int close_reason() const { return close_reason_.load(); }

  /// The driver's name (virConnectGetType): QEMU, TEST, ...
  std::string Type() const;
  virNodeInfo NodeInfo() const;
  std::string Capabilities() const;
  /// All domains, active and inactive (virConnectListAllDomains).
  std::vector<DomainPtr> ListAllDomains(unsigned flags = 0) const;
  /// nullptr when no domain has this UUID; throws on other errors.
  DomainPtr LookupDomainByUuid(const std::string& uuid) const;
  /// Defines (or redefines, same UUID) a persistent domain. `validate` asks libvirt to check
  /// the XML against its schema (VIR_DOMAIN_DEFINE_VALIDATE) instead of dropping unknown parts.
  DomainPtr DefineDomain(const std::string& xml, bool validate) const;

  std::vector<NetworkPtr> ListAllNetworks() const;
  NetworkPtr LookupNetwork(const std::string& name) const;  ///< nullptr when absent
  std::vector<PoolPtr> ListAllStoragePools() const;
  PoolPtr LookupStoragePool(const std::string& name) const;  ///< nullptr when absent
  NetworkPtr DefineNetwork(const std::string& xml) const;
  PoolPtr DefineStoragePool(const std::string& xml) const;

  /// Moves `dom`, running on another host, here while it runs (virDomainMigrate3, the client
  /// driving both daemons): live, persistent here, undefined at the source, its writable local
  /// disks copied into the volumes already made here (VIR_MIGRATE_NON_SHARED_DISK). Returns the
  /// domain here; throws Error, and the domain then still runs at the source.
  DomainPtr MigrateHere(virDomainPtr dom, const MigrateOptions& options) const;

  /// Calls `callback` on libvirt's event loop thread for each domain event `event_id`
  /// (virConnectDomainEventRegisterAny, all domains). Returns the registration for
  /// DeregisterDomainEvent, or -1 when the driver has no such events (then poll instead).
  /// libvirt calls `free_opaque` on `opaque` when the registration ends (deregistered, or the
  /// connection closed), and only then.
  int RegisterDomainEvent(int event_id, virConnectDomainEventGenericCallback callback, void* opaque,
                          virFreeCallback free_opaque = nullptr) const;
  void DeregisterDomainEvent(int registration) const;

 private:
  Connection(ConnectionPtr conn, std::string uri);
  /// Throws the pending libvirt error of this thread as Error, prefixed with `what`.
  [[noreturn]] void Throw(const std::string& what) const;

  ConnectionPtr conn_;
  std::string uri_;
  std::atomic<int> close_reason_{-1};  // written by the close callback
};

DomainInfo GetDomainInfo(virDomainPtr dom);
/// The domain's XML (flags: VIR_DOMAIN_XML_INACTIVE, ...).
std::string GetDomainXml(virDomainPtr dom, unsigned flags = 0);
/// The application metadata element in namespace `ns_uri`; nullopt when the domain has none.
std::optional<std::string> GetDomainMetadata(virDomainPtr dom, const std::string& ns_uri,
                                             unsigned flags = 0);
bool DomainIsActive(virDomainPtr dom);
void StartDomain(virDomainPtr dom);
/// Makes the domain run: starts it when shut off, resumes it when paused, else leaves it.
void EnsureDomainRunning(virDomainPtr dom);
/// Powers the domain off at once (virDomainDestroy); a domain already shut off is fine.
void StopDomain(virDomainPtr dom);
/// Removes the persistent definition (with its managed save and snapshot metadata).
void UndefineDomain(virDomainPtr dom);

std::string NetworkName(virNetworkPtr net);
std::string StoragePoolName(virStoragePoolPtr pool);
std::string GetNetworkXml(virNetworkPtr net);
std::string GetStoragePoolXml(virStoragePoolPtr pool);
bool NetworkIsActive(virNetworkPtr net);
bool StoragePoolIsActive(virStoragePoolPtr pool);
void StartNetwork(virNetworkPtr net);
/// Builds (creates the directory of) and starts a storage pool.
void StartStoragePool(virStoragePoolPtr pool);
/// Stops the network when it runs and removes its definition.
void RemoveNetwork(virNetworkPtr net);
/// Stops the pool when it runs, deletes its directory when it is empty, removes its definition.
void RemoveStoragePool(virStoragePoolPtr pool);

// Storage volumes: base images, per-replica root disks and seeds. The pool comes from
// Connection::LookupStoragePool; every failure throws Error.

/// The volume `name` of `pool`; nullptr when the pool has none.
VolumePtr LookupVolume(virStoragePoolPtr pool, const std::string& name);
/// Creates a volume from its XML (BuildVolumeXml); a qcow2 overlay names its backing store.
VolumePtr CreateVolume(virStoragePoolPtr pool, const std::string& xml);
/// The volume as libvirt describes it: path, format, capacity, allocation, backing store.
StorageVolume GetVolume(virStorageVolPtr vol);
/// Every volume of the pool, each as GetVolume gives it.
std::vector<StorageVolume> ListVolumes(virStoragePoolPtr pool);
/// Every volume of the pool as libvirt writes it (virStorageVolGetXMLDesc), unparsed.
std::vector<std::string> ListVolumeXml(virStoragePoolPtr pool);
/// Deletes the volume's storage; the handle is still to be freed.
void DeleteVolume(virStorageVolPtr vol);
/// Sends `length` bytes of `fd`, read from offset 0 with pread, into the volume through a
/// libvirt stream (virStorageVolUpload), which works over remote connections without SSH or
/// shared storage. `progress` gets the bytes sent so far. On any failure (a read error, a file
/// shorter than `length`, the connection) the stream is aborted and Error thrown; an exception
/// from `progress` (an interrupt) aborts it too and propagates as it is.
void UploadVolume(virStorageVolPtr vol, int fd, uint64_t length,
                  const std::function<void(uint64_t sent)>& progress = {});

}  // namespace egov::libvirt
