// The GUI tests' settings: each test names its own QSettings file (organization
// ReactorScopeTests, application = the test) and starts from an empty one, so a
// test never reads the user's settings nor another test's. Header-only; call it
// from initTestCase (or a test's constructor), GUI thread.
#pragma once
#include <QCoreApplication>
#include <QSettings>
#include <QString>

namespace rs::gui::test {

inline void useFreshSettings(const QString& testName) {
  QCoreApplication::setOrganizationName(QStringLiteral("ReactorScopeTests"));
  QCoreApplication::setApplicationName(testName);
  QSettings().clear();
}

}  // namespace rs::gui::test
