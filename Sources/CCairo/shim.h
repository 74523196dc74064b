// Cairo surfaces (PNG, SVG, PDF) and Pango text layout on Cairo.
#include <cairo.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
