// A QCustomPlot axis ticker for byte counts: steps of 1, 2 or 5 times a power of
// 1024 (B, KiB, MiB, GiB), each tick labelled by the views' one byte formatter
// (formatBytes -> formatBytesSpaced, engine/workload/Format.h): "512 B",
// "2.0 KiB", "4.00 GiB" rather than "4e9".
// Thread contract: GUI thread only (as the plot it ticks).
#pragma once
#include <qcustomplot.h>

namespace rs::gui {

class ByteAxisTicker : public QCPAxisTicker {
 public:
  ByteAxisTicker();
  // Puts a byte ticker on `axis` (its labels then come from this class only).
  static void install(QCPAxis* axis);

 protected:
  double getTickStep(const QCPRange& range) override;
  QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
};

}  // namespace rs::gui
