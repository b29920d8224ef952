/*
 * geoha: writing PHP source safely.
 *
 * Values that end up in generated PHP (Drupal's settings include) are
 * rendered as single-quoted string literals, the one PHP string form with
 * no interpolation: inside '...' only \\ and \' are escapes, so "$x",
 * "{$x}", newlines and "?>" are plain text. Every byte of the input comes
 * back unchanged when PHP evaluates the literal.
 */
#ifndef GEOHA_PHP_H
#define GEOHA_PHP_H

#include <stddef.h>

#include "geoha/util.h"

/*
 * Append s (len bytes; NUL bytes are refused) to b as a PHP single-quoted
 * string literal, quotes included: every backslash becomes \\ and every
 * single quote \'. -EINVAL for a NULL argument or a NUL byte, otherwise
 * the buffer's error (-ENOMEM, GEOHA_E_TOOBIG) if it could not grow. On
 * failure the partial literal is removed again (b->error stays set, as
 * with every geoha_buf append).
 */
int geoha_php_quote_n(struct geoha_buf *b, const char *s, size_t len);

/* geoha_php_quote_n() of a NUL-terminated string. */
int geoha_php_quote(struct geoha_buf *b, const char *s);

/*
 * Append "// " + text + "\n" as a PHP line comment. Control and non-ASCII
 * bytes (newlines included) are written as '?', and the '>' of "?>" (which
 * would end PHP mode even inside a comment) as '_', so the comment stays
 * one harmless line whatever text holds. -EINVAL for NULL arguments.
 */
int geoha_php_comment(struct geoha_buf *b, const char *text);

#endif /* GEOHA_PHP_H */
