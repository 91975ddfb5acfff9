#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

// The runs an apply journal holds, read straight from its SQLite file: what the tests check the
// journal against (egovctl writes runs and never reads them back).
namespace egov::orchestrator {

struct JournalRun {
  std::string status;
  int64_t pending = 0, done = 0, failed = 0;
};

/// The last `limit` runs, newest first; none while the journal has no runs table yet.
inline std::vector<JournalRun> JournalRuns(const std::string& journal_path, int limit) {
  std::vector<JournalRun> out;
  sqlite3* db = nullptr;
  sqlite3_stmt* q = nullptr;
  if (sqlite3_open_v2(journal_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT r.status, SUM(s.status = 'pending'), SUM(s.status = 'done'),"
                         " SUM(s.status = 'failed') FROM runs r LEFT JOIN steps s ON s.run = r.id"
                         " GROUP BY r.id ORDER BY r.id DESC LIMIT ?",
                         -1, &q, nullptr) == SQLITE_OK) {
    sqlite3_bind_int(q, 1, limit);
    while (sqlite3_step(q) == SQLITE_ROW) {
      const auto* status = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
      out.push_back({status ? status : "", sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
                     sqlite3_column_int64(q, 3)});
    }
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

}  // namespace egov::orchestrator
