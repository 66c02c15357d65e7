// Where the plots' legends go: in a row of their own between the plot's title (if
// any, row 0) and its axis rect, entries side by side (wrapping after `perRow`),
// so a legend never covers a point.
// Thread contract: GUI thread only (as the plot).
#pragma once
#include <qcustomplot.h>

namespace rs::gui {

// `row`: the plot layout row the legend goes in (the rows from it on move down).
inline void placeLegendAboveRect(QCustomPlot* p, int row, int perRow) {
  p->axisRect()->insetLayout()->take(p->legend);
  p->plotLayout()->insertRow(row);
  p->plotLayout()->addElement(row, 0, p->legend);
  p->plotLayout()->setRowStretchFactor(row, 0.001);
  p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  p->legend->setWrap(perRow);
  p->legend->setLayer(QStringLiteral("legend"));
  p->legend->setMargins(QMargins(4, 2, 4, 2));
  p->legend->setBorderPen(Qt::NoPen);
  p->legend->setVisible(true);
}

}  // namespace rs::gui
