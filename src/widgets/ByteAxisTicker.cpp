#include "widgets/ByteAxisTicker.h"

#include <cmath>

#include "model/SessionListModel.h"

namespace rs::gui {

ByteAxisTicker::ByteAxisTicker() { setTickCount(5); }

void ByteAxisTicker::install(QCPAxis* axis) { axis->setTicker(QSharedPointer<QCPAxisTicker>(new ByteAxisTicker)); }

double ByteAxisTicker::getTickStep(const QCPRange& range) {
  const double wanted = range.size() / (tickCount() + 1e-10);
  if (!(wanted > 1)) return 1;  // whole bytes at least
  // The unit (a power of 1024) the step is counted in, then 1, 2 or 5 times a
  // power of ten of it (1 KiB, 2 KiB, 5 KiB, 10 KiB, ... 500 KiB, 1 MiB).
  double unit = 1;
  while (wanted >= unit * 1024) unit *= 1024;
  const double inUnit = wanted / unit;
  const double decade = std::pow(10.0, std::floor(std::log10(inUnit)));
  const double mantissa = inUnit / decade;
  const double nice = mantissa < 1.5 ? 1 : mantissa < 3.5 ? 2 : mantissa < 7.5 ? 5 : 10;
  return nice * decade * unit;
}

QString ByteAxisTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
  return tick < 0 ? QStringLiteral("-") + formatBytes(-tick) : formatBytes(tick);
}

}  // namespace rs::gui
