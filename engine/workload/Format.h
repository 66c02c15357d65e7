// The one set of number, duration, rate and byte formatters, Qt-free, shared by
// reactorscope-cli, the option parsers' messages, the engine's reports and the
// GUI's views (which wrap the result in a QString). Two spellings exist on
// purpose and are chosen by name: the CLI's compact one ("1.5us", "12.30 MB/s")
// that scripts read, and the views' spaced one ("1.5 µs", "12.3 kmsg/s").
// Thread contract: pure functions; safe from any thread.
#pragma once
#include <cstdint>
#include <string>

namespace rs {

// A value as a person gave it, with the precision it needs: "20000", "0.5",
// "0.001"; from 1e9 up in %g form ("1e+09").
std::string formatNumber(double value);

// How the help states a byte size: 65536 -> "64K", 1048576 -> "1M",
// 4294967296 -> "4G", 1000 -> "1000" (only exact multiples take a suffix).
std::string formatByteSize(uint64_t bytes);

// ---- The CLI's compact spelling ---------------------------------------------
// "850.0us", "1.25ms", "2.00s" (ns below 1 ms shown in microseconds).
std::string formatDurationCompact(int64_t ns);
// Bytes per second in decimal units: "512.0 KB/s", "12.30 MB/s", "1.02 GB/s".
std::string formatByteRateCompact(double bytesPerSec);

// ---- The views' spaced spelling ---------------------------------------------
// "850 ns", "1.5 µs", "1.25 ms", "2.00 s".
std::string formatDurationSpaced(int64_t ns);
// Binary units: "512 B", "1.5 KiB", "12.3 MiB", "1.02 GiB".
std::string formatBytesSpaced(double bytes);
// A rate with its unit: (1234, "msg") -> "1.2 kmsg/s"; (5, "B") -> "5 B/s".
std::string formatRateSpaced(double perSec, const std::string& unit);

}  // namespace rs
