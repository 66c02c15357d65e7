#include "widgets/GettingStarted.h"

#include <QHBoxLayout>
#include <QLabel>

namespace rs::gui {

QString gettingStartedHtml() {
  return QObject::tr(
      "<b>Getting started</b><ol style='margin-top:2px'>"
      "<li><a href='newServer'>Start an echo server</a> (Session &gt; New echo server, Ctrl+Shift+S).</li>"
      "<li><a href='newClient'>Start a load client</a> against it (New client, Ctrl+Shift+C), e.g. "
      "50 connections.</li>"
      "<li>Pick an event in the <b>Events</b> tab (type <i>echo conn</i> in the label filter, click a "
      "<i>read</i> event): the <b>State diagram</b> replays its steps.</li>"
      "<li>Open the <b>Timeline</b> tab to watch its states over time (<b>Buffers</b> shows its "
      "connection's bytes).</li></ol>");
}

GettingStartedBanner::GettingStartedBanner(QWidget* parent) : QFrame(parent), label_(new QLabel(this)) {
  setObjectName(QStringLiteral("gettingStarted"));
  setFrameShape(QFrame::StyledPanel);
  setStyleSheet(QStringLiteral("#gettingStarted { background:#f3f7fb; }"));
  label_->setText(gettingStartedHtml());
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  QSizePolicy wraps(QSizePolicy::Ignored, QSizePolicy::Preferred);
  wraps.setHeightForWidth(true);  // as tall as its wrapped lines
  label_->setSizePolicy(wraps);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(label_, 1);
  connect(label_, &QLabel::linkActivated, this, &GettingStartedBanner::linkActivated);
}

QString GettingStartedBanner::text() const { return label_->text(); }

}  // namespace rs::gui
