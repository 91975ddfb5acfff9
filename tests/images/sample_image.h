#pragma once

// The Image document the disk tests share (its file is never read: plans and simulated hosts
// do not need it).
namespace egov::orchestrator {

inline const char* kSampleImage = R"yaml(
kind: Image
name: debian-12
display_name: Debian 12
format: qcow2
source: images/debian-12.qcow2
sha256: f300a54fc4b775bbd3615aa14fda4f400bc77c0852d0b4ec4818496fc96a44d4
min_disk: 3Gi
)yaml";

}  // namespace egov::orchestrator
