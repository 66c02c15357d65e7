// The icons live in a static library: register its resources before first use.
#pragma once

namespace rs::gui {
void ensureResources();
}
