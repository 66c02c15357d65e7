#include "widgets/Resources.h"

#include <QtGlobal>

static void initReactorScopeResources() { Q_INIT_RESOURCE(reactorscope); }

namespace rs::gui {
void ensureResources() {
  static const bool done = [] {
    initReactorScopeResources();
    return true;
  }();
  (void)done;
}
}  // namespace rs::gui
