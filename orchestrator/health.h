#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/model.h"

// Whether a replacement replica is up before a rollout goes on: its workload's health URL,
// probed from egovctl with libcurl.
namespace egov::orchestrator {

/// One GET of `url` bounded by `timeout`: the HTTP status, or 0 with `error` set when no answer
/// came. Redirects are not followed (the status is the URL's own).
int ProbeStatus(const std::string& url, std::chrono::milliseconds timeout, std::string& error);

/// Probes `health` until it answers with its expected status, for about `wait` (each probe
/// bounded by `health.timeout`, so at most `wait` + that), a probe at most every
/// `health.interval` (capped at 2 s). Returns "" when it answered as
/// declared, else what it answered last ("status 503, expected 200", "timed out ...").
std::string WaitForHealth(const Health& health, std::chrono::milliseconds wait);

}  // namespace egov::orchestrator
