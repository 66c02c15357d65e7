// `reactorscope-cli info FILE [--json]` and `reactorscope-cli export FILE --format
// perfetto|chrome-json -o OUT [--from S --to S]`: what a recording holds, and its
// export (src/export). --from/--to are seconds from the recording's first record.
// Exit status: 0 done, 1 the recording could not be read or the output written
// (one line on stderr saying which and why), 2 usage.
// Thread contract: the main thread.
#pragma once
#include <string>
#include <vector>

namespace rs::cli {

// verb is "info" or "export"; args are the arguments after it.
int runRecordingCommand(const std::string& verb, const std::vector<std::string>& args);
std::string recordingCommandsUsage();

}  // namespace rs::cli
