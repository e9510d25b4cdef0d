/* sheet.c — spreadsheet options, sheet selection, column plans, Excel
 * dates and the state both readers keep, shared by the .xlsx and .xls
 * readers (see sheet.h). */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "process/sheet.h"
#include "process/config_opt.h"
#include "process/text.h"

#define SHEET_MAX_SKIP 1000000000LL
#define SHEET_MAX_DATE_FORMAT 64

/* ---- options ---- */

static bool valid_sheet_ref(json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string_len(v) > 0 && json_object_get_string_len(v) <= 255;
    return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
           json_object_get_int64(v) < 100000;
}

static bool valid_column_ref(json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string_len(v) > 0 && json_object_get_string_len(v) <= 1024;
    return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
           json_object_get_int64(v) < SHEET_MAX_COLS;
}

static int parse_letters_spec(const char *spec, bool *keep, char *msg, size_t msg_len);

int sheet_options_parse(json_object *config, struct sheet_options *opt, char *field,
                        size_t field_len, char *msg, size_t msg_len)
{
    json_object *v;
    memset(opt, 0, sizeof(*opt));
    opt->use_column_names = true;
    int rc = opt_object(config, field, field_len, msg, msg_len);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if ((v = opt_value(config, "sheet_name"))) {
        bool ok = valid_sheet_ref(v);
        if (json_object_is_type(v, json_type_array)) {
            size_t n = json_object_array_length(v);
            ok = n > 0 && n <= SHEET_MAX_SELECTED;
            for (size_t i = 0; ok && i < n; i++)
                ok = valid_sheet_ref(json_object_array_get_idx(v, i));
        }
        if (!ok) {
            opt_error(field, field_len, "sheet_name", msg, msg_len,
                      "must be a sheet name, a 0-based sheet index, or a list of them");
            return -1;
        }
        opt->sheets = v;
    }
    if (opt_int(config, "skip_rows", 0, SHEET_MAX_SKIP, &opt->skip_rows, field, field_len, msg,
                msg_len) ||
        opt_int(config, "skip_footer", 0, SHEET_MAX_SKIP, &opt->skip_footer, field, field_len, msg,
                msg_len) ||
        opt_bool(config, "use_column_names", &opt->use_column_names, field, field_len, msg,
                 msg_len))
        return -1;
    if ((v = opt_value(config, "columns"))) {
        bool ok;
        if (json_object_is_type(v, json_type_string)) {
            bool *keep = calloc(SHEET_MAX_COLS, sizeof(*keep));
            char m[128];
            ok = keep && parse_letters_spec(json_object_get_string(v), keep, m, sizeof(m)) == 0;
            free(keep);
        } else {
            size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
            ok = n > 0 && n <= SHEET_MAX_COLS;
            for (size_t i = 0; ok && i < n; i++)
                ok = valid_column_ref(json_object_array_get_idx(v, i));
        }
        if (!ok) {
            opt_error(field, field_len, "columns", msg, msg_len,
                      "must be letters such as \"A:C\" or \"A,C,E:G\", or a list of column "
                      "letters, header names or 0-based indexes");
            return -1;
        }
        opt->columns = v;
    }
    if ((v = opt_value(config, "date_format"))) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
            json_object_get_string_len(v) > SHEET_MAX_DATE_FORMAT) {
            opt_error(field, field_len, "date_format", msg, msg_len,
                      "must be a strftime pattern such as \"%d/%m/%Y\" (at most 64 characters)");
            return -1;
        }
        opt->date_format = json_object_get_string(v);
    }
    return 0;
}

void sheet_options_metadata(const struct sheet_options *opt, json_object *meta)
{
    json_object_object_add(meta, "skip_rows", json_object_new_int64(opt->skip_rows));
    json_object_object_add(meta, "skip_footer", json_object_new_int64(opt->skip_footer));
    json_object_object_add(meta, "use_column_names",
                           json_object_new_boolean(opt->use_column_names));
    if (opt->date_format)
        json_object_object_add(meta, "date_format", json_object_new_string(opt->date_format));
}

/* ---- sheets ---- */

static int find_sheet(json_object *ref, const char *const *names, size_t count, char *msg,
                      size_t msg_len)
{
    if (json_object_is_type(ref, json_type_int)) {
        int64_t i = json_object_get_int64(ref);
        if (i >= 0 && (uint64_t)i < count)
            return (int)i;
        snprintf(msg, msg_len, "sheet index %lld does not exist (the workbook has %zu sheets)",
                 (long long)i, count);
        return -1;
    }
    const char *want = json_object_get_string(ref);
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], want) == 0)
            return (int)i;
    for (size_t i = 0; i < count; i++)
        if (strcasecmp(names[i], want) == 0)
            return (int)i;
    int n = snprintf(msg, msg_len, "there is no sheet named \"%s\" (sheets:", want);
    for (size_t i = 0; i < count && n > 0 && (size_t)n < msg_len; i++)
        n += snprintf(msg + n, msg_len - (size_t)n, "%s \"%s\"", i ? "," : "", names[i]);
    if (n > 0 && (size_t)n < msg_len)
        snprintf(msg + n, msg_len - (size_t)n, ")");
    return -1;
}

int sheet_select(const struct sheet_options *opt, const char *const *names, size_t count,
                 size_t *idx, char *msg, size_t msg_len)
{
    if (count == 0) {
        snprintf(msg, msg_len, "the workbook has no sheets");
        return -1;
    }
    if (!opt->sheets) {
        idx[0] = 0;
        return 1;
    }
    bool list = json_object_is_type(opt->sheets, json_type_array);
    size_t n = list ? json_object_array_length(opt->sheets) : 1;
    size_t out = 0;
    for (size_t i = 0; i < n && out < SHEET_MAX_SELECTED; i++) {
        json_object *ref = list ? json_object_array_get_idx(opt->sheets, i) : opt->sheets;
        int k = find_sheet(ref, names, count, msg, msg_len);
        if (k < 0)
            return -1;
        bool dup = false;
        for (size_t j = 0; j < out && !dup; j++)
            dup = idx[j] == (size_t)k;
        if (!dup)
            idx[out++] = (size_t)k;
    }
    return (int)out;
}

/* ---- cell references ---- */

int sheet_parse_ref(const char *ref, long *col, long *row)
{
    long c = 0, r = 0;
    size_t i = 0, letters = 0;
    for (; ref[i] && isalpha((unsigned char)ref[i]); i++, letters++) {
        if (letters >= 3)
            return -1;
        c = c * 26 + (toupper((unsigned char)ref[i]) - 'A' + 1);
    }
    size_t digits = 0;
    for (; ref[i] >= '0' && ref[i] <= '9'; i++, digits++) {
        if (digits >= 7)
            return -1;
        r = r * 10 + (ref[i] - '0');
    }
    if (ref[i] != '\0' || (letters == 0 && digits == 0))
        return -1;
    if ((letters && c > SHEET_MAX_COLS) || (digits && (r < 1 || r > SHEET_MAX_ROWS)))
        return -1;
    *col = letters ? c - 1 : -1;
    *row = digits ? r : -1;
    return 0;
}

void sheet_col_letters(long col, char *out)
{
    char tmp[4];
    int n = 0;
    for (long c = col + 1; c > 0 && n < 3; c = (c - 1) / 26)
        tmp[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* Marks the columns named by "A:C,E" in keep. */
static int parse_letters_spec(const char *spec, bool *keep, char *msg, size_t msg_len)
{
    char buf[1100];
    if (strlen(spec) >= sizeof(buf)) {
        snprintf(msg, msg_len, "the column list is too long");
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    bool any = false;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ')
            tok[--n] = '\0';
        char *colon = strchr(tok, ':');
        if (colon)
            *colon = '\0';
        long a, b, row;
        if (sheet_parse_ref(tok, &a, &row) || a < 0 || row >= 0 ||
            (colon && (sheet_parse_ref(colon + 1, &b, &row) || b < 0 || row >= 0))) {
            snprintf(msg, msg_len, "\"%s\" is not a column letter or range", spec);
            return -1;
        }
        if (!colon)
            b = a;
        if (b < a) {
            long t = a;
            a = b;
            b = t;
        }
        for (long c = a; c <= b; c++)
            keep[c] = true;
        any = true;
    }
    if (!any) {
        snprintf(msg, msg_len, "no columns are named");
        return -1;
    }
    return 0;
}

/* ---- column plan ---- */

void sheet_plan_free(struct sheet_plan *plan)
{
    free(plan->cols);
    free(plan->names);
    memset(plan, 0, sizeof(*plan));
}

static bool name_taken(const struct sheet_plan *plan, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (plan->names[i] == name)
            return true;
    return false;
}

/* Interns text (trimmed; the column letters when empty), with _2, _3...
 * when the name is already used. */
static const char *column_name(struct rec_env *env, const struct sheet_plan *plan, size_t n,
                               long col, const char *text, size_t len)
{
    char letters[4];
    while (len > 0 && (*text == ' ' || *text == '\t'))
        text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0) {
        sheet_col_letters(col, letters);
        text = letters;
        len = strlen(letters);
    }
    const char *name = rec_intern(env, text, len);
    for (int k = 2; name && name_taken(plan, n, name); k++) {
        char *tmp = malloc(len + 16);
        if (!tmp)
            return NULL;
        int tl = snprintf(tmp, len + 16, "%.*s_%d", (int)len, text, k);
        name = rec_intern(env, tmp, (size_t)tl);
        free(tmp);
    }
    return name;
}

/* Marks the columns the `columns` option selects. */
static int select_columns(const struct sheet_options *opt, const struct sheet_plan *plan,
                          bool *keep, char *msg, size_t msg_len)
{
    if (json_object_is_type(opt->columns, json_type_string))
        return parse_letters_spec(json_object_get_string(opt->columns), keep, msg, msg_len);
    for (size_t i = 0; i < json_object_array_length(opt->columns); i++) {
        json_object *v = json_object_array_get_idx(opt->columns, i);
        if (json_object_is_type(v, json_type_int)) {
            keep[json_object_get_int64(v)] = true;
            continue;
        }
        const char *s = json_object_get_string(v);
        bool found = false;
        for (size_t k = 0; opt->use_column_names && k < plan->n && !found; k++) {
            if (strcmp(plan->names[k], s) == 0) {
                keep[plan->cols[k]] = true;
                found = true;
            }
        }
        long col, row;
        if (!found && sheet_parse_ref(s, &col, &row) == 0 && col >= 0 && row < 0) {
            keep[col] = true;
            found = true;
        }
        if (!found) {
            snprintf(msg, msg_len, "there is no column \"%s\"", s);
            return -1;
        }
    }
    return 0;
}

int sheet_plan_build(struct rec_env *env, const struct sheet_options *opt,
                     const struct sheet_cell_text *header, size_t nheader, long width,
                     struct sheet_plan *plan, char *msg, size_t msg_len)
{
    memset(plan, 0, sizeof(*plan));
    long first = 0, last = width - 1;
    if (opt->use_column_names) {
        first = nheader ? header[0].col : 0;
        last = nheader ? header[nheader - 1].col : -1;
    }
    size_t span = last >= first ? (size_t)(last - first + 1) : 0;
    plan->cols = malloc((span ? span : 1) * sizeof(*plan->cols));
    plan->names = malloc((span ? span : 1) * sizeof(*plan->names));
    bool *keep = calloc(SHEET_MAX_COLS, sizeof(*keep));
    int rc = ENGINE_NO_MEMORY;
    if (!plan->cols || !plan->names || !keep)
        goto out;
    size_t h = 0;
    for (long col = first; col <= last; col++) {
        const char *text = "";
        size_t len = 0;
        while (opt->use_column_names && h < nheader && header[h].col < col)
            h++;
        if (opt->use_column_names && h < nheader && header[h].col == col) {
            text = header[h].text;
            len = header[h].len;
        }
        const char *name = column_name(env, plan, plan->n, col, text, len);
        if (!name)
            goto out;
        plan->cols[plan->n] = col;
        plan->names[plan->n++] = name;
    }
    plan->width = last + 1;
    if (opt->columns) {
        if (select_columns(opt, plan, keep, msg, msg_len)) {
            rc = ENGINE_BAD_CONFIG;
            goto out;
        }
        size_t kept = 0;
        for (size_t i = 0; i < plan->n; i++) {
            if (!keep[plan->cols[i]])
                continue;
            plan->cols[kept] = plan->cols[i];
            plan->names[kept++] = plan->names[i];
        }
        plan->n = kept;
    }
    rc = ENGINE_OK;
out:
    free(keep);
    if (rc != ENGINE_OK)
        sheet_plan_free(plan);
    return rc;
}

/* ---- dates ---- */

enum sheet_date_kind sheet_format_kind(int id, const char *code)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58))
        return SHEET_DATE;
    if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47))
        return SHEET_TIME;
    if (id == 22)
        return SHEET_DATETIME;
    if (id < 164 || !code)
        return SHEET_NOT_DATE;
    bool date = false, time = false, month_or_minute = false;
    for (const char *p = code; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (*p == '"') {   /* literal text */
            const char *close = strchr(p + 1, '"');
            if (!close)
                break;
            p = close;
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            if (p[1])
                p++;   /* an escaped or padding character */
        } else if (*p == '[') {
            /* [h] [mm] [ss] are elapsed time; [Red], [$-409], [>100] are not letters */
            const char *close = strchr(p, ']');
            if (!close)
                break;
            char e = (char)tolower((unsigned char)p[1]);
            if (e == 'h' || e == 's' || (e == 'm' && close - p <= 3))
                time = true;
            p = close;
        } else if (c == ';') {
            break;   /* only the first section (positive numbers) matters */
        } else if (c == 'y' || c == 'd') {
            date = true;
        } else if (c == 'h' || c == 's') {
            time = true;
        } else if (c == 'm') {
            month_or_minute = true;
        }
    }
    if (date)
        return time ? SHEET_DATETIME : SHEET_DATE;
    if (time)
        return SHEET_TIME;
    return month_or_minute ? SHEET_DATE : SHEET_NOT_DATE;
}

/* Howard Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

size_t sheet_format_parts(int year, int month, int day, int hour, int minute, double second,
                          enum sheet_date_kind kind, const char *date_format, char *out,
                          size_t out_len)
{
    int whole = (int)floor(second);
    int ms = (int)lround((second - whole) * 1000.0);
    if (ms >= 1000) {
        ms = 999;
    }
    if (date_format) {
        struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                        .tm_hour = hour, .tm_min = minute, .tm_sec = whole};
        time_t t = timegm(&tm);   /* fills the weekday and day of the year */
        struct tm norm;
        if (t != (time_t)-1 && gmtime_r(&t, &norm)) {
            /* The pattern is the user's date_format: strftime never writes past
             * out_len, whatever the pattern holds. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            size_t n = strftime(out, out_len, date_format, &norm);
#pragma GCC diagnostic pop
            if (n > 0)
                return n;
        }
    }
    int n;
    if (kind == SHEET_TIME)
        n = snprintf(out, out_len, "%02d:%02d:%02d", hour, minute, whole);
    else if (kind == SHEET_DATETIME)
        n = snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                     minute, whole);
    else
        n = snprintf(out, out_len, "%04d-%02d-%02d", year, month, day);
    if (ms > 0 && kind != SHEET_DATE && n > 0 && (size_t)n < out_len)
        n += snprintf(out + n, out_len - (size_t)n, ".%03d", ms);
    return n > 0 && (size_t)n < out_len ? (size_t)n : 0;
}

size_t sheet_format_serial(double serial, bool date1904, enum sheet_date_kind kind,
                           const char *date_format, char *out, size_t out_len)
{
    /* 2958465 is 9999-12-31, Excel's last day */
    if (!isfinite(serial) || serial < 0 || serial >= 2958466.0)
        return 0;
    int64_t days = (int64_t)floor(serial);
    int64_t ms = llround((serial - (double)days) * 86400000.0);
    if (ms >= 86400000) {
        days++;
        ms -= 86400000;
    }
    int64_t epoch_days;
    if (date1904)
        epoch_days = text_days_from_civil(1904, 1, 1) + days;
    else if (days >= 61)
        epoch_days = text_days_from_civil(1899, 12, 30) + days;
    else   /* Excel counts a 29 February 1900 that never was: day 60 shows as 28 Feb */
        epoch_days = text_days_from_civil(1899, 12, 31) + (days == 60 ? 59 : days);
    int y, m, d;
    civil_from_days(epoch_days, &y, &m, &d);
    int hour = (int)(ms / 3600000), minute = (int)(ms / 60000 % 60);
    double second = (double)(ms % 60000) / 1000.0;
    return sheet_format_parts(y, m, d, hour, minute, second, kind, date_format, out, out_len);
}

/* ---- the readers' shared state ---- */

int sheet_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                          size_t msg_len)
{
    struct sheet_options opt;
    return sheet_options_parse(config, &opt, field, field_len, msg, msg_len);
}

int sheet_reader_open(struct sheet_reader *s, const struct reader_args *args)
{
    char field[64], msg[512];
    s->env = args->env;
    if (sheet_options_parse(args->config, &s->opt, field, sizeof(field), msg, sizeof(msg)))
        return rec_fail(s->env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
    s->arena = rec_arena_new();
    s->sheet_field = rec_intern(s->env, "_sheet", 6);
    if (!s->arena || !s->sheet_field)
        return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
    s->scratch.arena = s->arena;
    return ENGINE_OK;
}

void sheet_reader_free(struct sheet_reader *s)
{
    sheet_plan_free(&s->plan);
    free(s->fields);
    rec_arena_free(s->arena);
    json_object_put(s->first_header);
}

int sheet_reader_select(struct sheet_reader *s, const char *const *names, size_t count)
{
    char msg[512];
    int n = sheet_select(&s->opt, names, count, s->sel, msg, sizeof(msg));
    if (n < 0)
        return rec_fail(s->env, count ? ENGINE_BAD_CONFIG : ENGINE_BAD_INPUT, "%s%s",
                        count ? "processing_config.sheet_name: " : "", msg);
    s->nsel = n;
    return ENGINE_OK;
}

int sheet_reader_plan(struct sheet_reader *s, const struct sheet_cell_text *header,
                      size_t nheader, long width, const char *sheet_name)
{
    char msg[256];
    sheet_plan_free(&s->plan);
    int rc = sheet_plan_build(s->env, &s->opt, header, nheader, width, &s->plan, msg, sizeof(msg));
    if (rc == ENGINE_BAD_CONFIG)
        return rec_fail(s->env, rc, "processing_config.columns: %s%s%s%s", msg,
                        sheet_name ? " in sheet \"" : "", sheet_name ? sheet_name : "",
                        sheet_name ? "\"" : "");
    if (rc != ENGINE_OK)
        return rec_fail(s->env, rc, "out of memory");
    size_t need = s->plan.n + 1;
    if (need > s->fields_cap) {
        struct rec_field *f = realloc(s->fields, need * sizeof(*f));
        if (!f)
            return rec_fail(s->env, ENGINE_NO_MEMORY, "out of memory");
        s->fields = f;
        s->fields_cap = need;
    }
    if (!s->first_header) {
        s->first_header = json_object_new_array();
        for (size_t i = 0; s->first_header && i < s->plan.n; i++)
            json_object_array_add(s->first_header, json_object_new_string(s->plan.names[i]));
    }
    return ENGINE_OK;
}

size_t sheet_reader_record_start(struct sheet_reader *s, const char *sheet_name)
{
    if (s->nsel <= 1)
        return 0;
    s->fields[0] = (struct rec_field){.name = s->sheet_field, .val = sheet_name,
                                      .len = strlen(sheet_name), .type = REC_STRING};
    return 1;
}

int sheet_reader_columns(const struct sheet_reader *s, struct rec_columns *cols)
{
    if (s->nsel != 1)
        return ENGINE_OK;   /* several sheets: known per record */
    for (size_t i = 0; i < s->plan.n; i++)
        if (rec_columns_push(cols, s->plan.names[i]))
            return ENGINE_NO_MEMORY;
    return ENGINE_OK;
}

void sheet_reader_metadata(const struct sheet_reader *s, const char *const *names, size_t count,
                           json_object *meta)
{
    json_object *all = json_object_new_array(), *read = json_object_new_array();
    json_object *rows = json_object_new_object();
    for (size_t i = 0; i < count; i++)
        json_object_array_add(all, json_object_new_string(names[i]));
    for (int i = 0; i < s->nsel; i++) {
        const char *name = names[s->sel[i]];
        json_object_array_add(read, json_object_new_string(name));
        json_object_object_add(rows, name, json_object_new_int64(s->sel_rows[i]));
    }
    json_object_object_add(meta, "sheet_names", all);
    /* The FastAPI ETL document's count of the workbook's sheets. */
    json_object_object_add(meta, "total_sheets", json_object_new_int64((int64_t)count));
    json_object_object_add(meta, "sheets_processed", read);
    json_object_object_add(meta, "rows_per_sheet", rows);
    json_object_object_add(meta, "header_row", json_object_get(s->first_header));
}
