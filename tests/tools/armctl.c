/*
 * armctl: a small command line front end of geoha's ARM client, for the
 * integration tests (tests/arm/run) and for admins debugging Azure access.
 *
 *   armctl [OPTIONS] get PATH API
 *   armctl [OPTIONS] list PATH API [MAX_PAGES]
 *   armctl [OPTIONS] put|patch|post|delete PATH API [BODY]  (--no-wait)
 *   armctl [OPTIONS] imds PATH API
 *   armctl [OPTIONS] token-check
 *   armctl path SUB RG PROVIDER [SEGMENT...]
 *   armctl url-check URL
 *
 * Options: --auth msi|secret|token-file, --tenant ID, --client-id ID,
 * --secret-file F, --token-file F, --arm-endpoint URL, --login-endpoint
 * URL, --imds-endpoint URL, --endpoint URL (all three), --ca-file F,
 * --cache-dir DIR, --timeout-ms N (operation deadline, default 60000),
 * --poll-ms N, --request-timeout-ms N, --max-attempts N, --repeat N (run
 * the command N times with one client), --debug (trace to stderr),
 * --stats (one "stats:" line on stderr at the end).
 *
 * JSON results go to stdout. On failure: one line on stderr
 *   armctl: error rc=-1004 (deadline reached) status=503
 *   code=ServiceUnavailable: <the client's error line>
 * and exit status 1 (2 for usage errors).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/arm.h"
#include "geoha/util.h"

static void
debug_out(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "armctl: debug: %s\n", line);
}

static int
usage(void)
{
    fputs("usage: armctl [OPTIONS] get|list|put|patch|post|delete|imds|"
          "token-check ...\n"
          "       armctl path SUB RG PROVIDER [SEGMENT...]\n"
          "       armctl url-check URL\n",
          stderr);
    return 2;
}

static void
print_json(const json_t *j)
{
    char *s;

    if (j == NULL) {
        puts("null");
        return;
    }
    s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    if (s != NULL) {
        puts(s);
        free(s);
    }
}

static int
method_of(const char *s, enum geoha_arm_method *m)
{
    static const struct {
        const char *name;
        enum geoha_arm_method m;
    } t[] = {
        { "put", GEOHA_ARM_PUT },
        { "patch", GEOHA_ARM_PATCH },
        { "post", GEOHA_ARM_POST },
        { "delete", GEOHA_ARM_DELETE },
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(s, t[i].name) == 0) {
            *m = t[i].m;
            return 0;
        }
    }
    return -EINVAL;
}

static int
cmd_path(int argc, char **argv)
{
    char p[GEOHA_ARM_PATH_MAX];
    int rc;

    if (argc < 3 || argc > 9) {
        return usage();
    }
    /* geoha_arm_path is variadic: pass up to 6 segments, NULL-padded. */
    {
        const char *s[6] = { NULL };

        for (int i = 3; i < argc; i++) {
            s[i - 3] = argv[i];
        }
        rc = geoha_arm_path(p, sizeof(p), argv[0], argv[1], argv[2], s[0], s[1],
                            s[2], s[3], s[4], s[5], (char *)NULL);
    }
    if (rc != 0) {
        fprintf(stderr, "armctl: error rc=%d (%s)\n", rc, geoha_strerror(rc));
        return 1;
    }
    puts(p);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "auth", required_argument, NULL, 'a' },
        { "tenant", required_argument, NULL, 't' },
        { "client-id", required_argument, NULL, 'c' },
        { "secret-file", required_argument, NULL, 's' },
        { "token-file", required_argument, NULL, 'k' },
        { "arm-endpoint", required_argument, NULL, 'A' },
        { "login-endpoint", required_argument, NULL, 'L' },
        { "imds-endpoint", required_argument, NULL, 'I' },
        { "endpoint", required_argument, NULL, 'E' },
        { "ca-file", required_argument, NULL, 'C' },
        { "cache-dir", required_argument, NULL, 'D' },
        { "timeout-ms", required_argument, NULL, 'T' },
        { "poll-ms", required_argument, NULL, 'P' },
        { "request-timeout-ms", required_argument, NULL, 'R' },
        { "max-attempts", required_argument, NULL, 'M' },
        { "repeat", required_argument, NULL, 'r' },
        { "no-wait", no_argument, NULL, 'n' },
        { "debug", no_argument, NULL, 'd' },
        { "stats", no_argument, NULL, 'S' },
        { NULL, 0, NULL, 0 },
    };
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    struct geoha_deadline d;
    long long timeout_ms = 60000, n, repeat = 1;
    bool wait = true, stats = false;
    char err[512];
    const char *cmd;
    int64_t t0;
    int opt, rc = 0;

    geoha_arm_config_init(&cfg);
    while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (geoha_arm_config_set(&cfg, GEOHA_ARM_P_AUTH, optarg) != 0) {
                fprintf(stderr, "armctl: bad --auth '%s'\n", optarg);
                return 2;
            }
            break;
        case 't':
            cfg.tenant = optarg;
            break;
        case 'c':
            cfg.client_id = optarg;
            break;
        case 's':
            cfg.secret_file = optarg;
            break;
        case 'k':
            cfg.token_file = optarg;
            break;
        case 'A':
            cfg.arm_endpoint = optarg;
            break;
        case 'L':
            cfg.login_endpoint = optarg;
            break;
        case 'I':
            cfg.imds_endpoint = optarg;
            break;
        case 'E':
            cfg.arm_endpoint = cfg.login_endpoint = cfg.imds_endpoint = optarg;
            break;
        case 'C':
            cfg.ca_file = optarg;
            break;
        case 'D':
            cfg.cache_dir = optarg;
            break;
        case 'T':
        case 'P':
        case 'R':
        case 'M':
        case 'r':
            if (geoha_parse_ll(optarg, 0, 24LL * 3600 * 1000, &n) != 0) {
                fprintf(stderr, "armctl: bad number '%s'\n", optarg);
                return 2;
            }
            if (opt == 'T') {
                timeout_ms = n;
            } else if (opt == 'P') {
                cfg.poll_ms = n;
            } else if (opt == 'R') {
                cfg.request_timeout_ms = n;
            } else if (opt == 'M') {
                cfg.max_attempts = (int)n;
            } else {
                repeat = n;
            }
            break;
        case 'n':
            wait = false;
            break;
        case 'd':
            cfg.debug_fn = debug_out;
            break;
        case 'S':
            stats = true;
            break;
        default:
            return usage();
        }
    }
    if (optind >= argc) {
        return usage();
    }
    cmd = argv[optind++];
    argc -= optind;
    argv += optind;

    if (strcmp(cmd, "path") == 0) {
        return cmd_path(argc, argv);
    }
    if (strcmp(cmd, "url-check") == 0) {
        if (argc != 1) {
            return usage();
        }
        rc = geoha_arm_url_check(argv[0]);
        printf("%s\n", rc == 0 ? "ok" : geoha_strerror(rc));
        return rc == 0 ? 0 : 1;
    }

    rc = geoha_arm_config_check(&cfg, true, err, sizeof(err));
    if (rc == 0) {
        rc = geoha_arm_client_new(&cfg, err, sizeof(err), &c);
    }
    if (rc != 0) {
        fprintf(stderr, "armctl: error rc=%d (%s) status=0 code=: %s\n", rc,
                geoha_strerror(rc), err);
        return 1;
    }
    t0 = geoha_now_ms();
    geoha_deadline_init(&d, timeout_ms);
    for (long long i = 0; i < repeat && rc == 0; i++) {
        json_t *out = NULL;
        enum geoha_arm_method m;

        if (strcmp(cmd, "get") == 0 && argc == 2) {
            rc = geoha_arm_get(c, argv[0], argv[1], &d, &out);
        } else if (strcmp(cmd, "list") == 0 && (argc == 2 || argc == 3)) {
            long long pages = 0;

            if (argc == 3 && geoha_parse_ll(argv[2], 0, 100000, &pages) != 0) {
                rc = usage();
                break;
            }
            rc = geoha_arm_list(c, argv[0], argv[1], (unsigned)pages, &d, &out);
        } else if (strcmp(cmd, "imds") == 0 && argc == 2) {
            rc = geoha_arm_imds_get(c, argv[0], argv[1], &d, &out);
        } else if (strcmp(cmd, "token-check") == 0 && argc == 0) {
            rc = geoha_arm_auth_check(c, &d);
            if (rc == 0) {
                out = json_string("ok");
            }
        } else if (method_of(cmd, &m) == 0 && (argc == 2 || argc == 3)) {
            json_t *body = NULL;
            json_error_t jerr;

            if (argc == 3) {
                body = json_loads(argv[2], 0, &jerr);
                if (body == NULL) {
                    fprintf(stderr, "armctl: BODY is not JSON: %s\n",
                            jerr.text);
                    rc = 2;
                    break;
                }
            }
            if (wait) {
                rc = geoha_arm_call(c, m, argv[0], argv[1], body, &d, &out);
            } else {
                struct geoha_arm_op op;

                geoha_arm_op_init(&op);
                rc = geoha_arm_send(c, m, argv[0], argv[1], body, &d, &op);
                if (rc == 0) {
                    out = json_pack("{s:i, s:b, s:b, s:b}", "status", op.status,
                                    "done", op.done, "async",
                                    op.async_url != NULL, "location",
                                    op.location_url != NULL);
                }
                geoha_arm_op_clear(&op);
            }
            json_decref(body);
        } else {
            rc = usage();
            break;
        }
        if (rc == 0) {
            print_json(out);
        }
        json_decref(out);
    }
    if (rc != 0 && rc != 2) {
        fprintf(stderr, "armctl: error rc=%d (%s) status=%d code=%s: %s\n", rc,
                geoha_strerror(rc), geoha_arm_last_status(c),
                geoha_arm_last_code(c), geoha_arm_last_error(c));
    }
    if (stats) {
        fprintf(stderr, "stats: elapsed_ms=%lld token_fetches=%u\n",
                (long long)(geoha_now_ms() - t0), geoha_arm_token_fetches(c));
    }
    geoha_arm_client_free(c);
    if (rc == 2) {
        return 2;
    }
    return rc == 0 ? 0 : 1;
}
