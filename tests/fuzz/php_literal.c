/*
 * tests/fuzz/run's slow PHP check: print a PHP program that holds every
 * input file (argv) as a geoha_php_quote_n() literal, each after a
 * geoha_php_comment() of the same bytes, and echoes bin2hex() of each
 * literal's value, one per line. php must print exactly the hex of the
 * files: the literals decode to the input and no comment escapes its
 * line. Files holding a NUL byte are skipped (geoha refuses them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/file.h"
#include "geoha/php.h"
#include "geoha/util.h"

#define MAX_INPUT (64u * 1024u)

int
main(int argc, char **argv)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "<?php\n$v = [];\n");
    for (int i = 1; i < argc; i++) {
        char *data = NULL;
        size_t len = 0;
        int rc = geoha_file_read(argv[i], MAX_INPUT, &data, &len);

        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], geoha_strerror(rc));
            return 2;
        }
        if (memchr(data, '\0', len) == NULL) {
            geoha_php_comment(&b, data);
            geoha_buf_puts(&b, "$v[] = ");
            geoha_php_quote_n(&b, data, len);
            geoha_buf_puts(&b, ";\n");
        }
        free(data);
    }
    geoha_buf_puts(&b, "foreach ($v as $s) {\n"
                       "    echo bin2hex($s), \"\\n\";\n"
                       "}\n");
    if (b.error != 0) {
        fprintf(stderr, "php_literal: %s\n", geoha_strerror(b.error));
        return 2;
    }
    fwrite(b.data, 1, b.len, stdout);
    geoha_buf_clear(&b);
    return 0;
}
