/* The score builder (see score.h). Runs in the worker (or in instantiate):
 * it may take its time, but it works in the memory ng_open and the plugin
 * allocated, so it does not allocate either. */
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "choices.h"

#define SC_EPS 1e-9

void sc_clear(sc_score *s) {
    s->count = s->tunes = s->full = s->failed = 0;
    s->end = 0.0;
    s->bar = 4.0;
    s->floor = 0.0;
}

int sc_same(const sc_controls *a, const sc_controls *b) {
    if (a->temperature != b->temperature || a->seed != b->seed || a->key != b->key || a->meter != b->meter ||
        a->type != b->type || a->low != b->low || a->high != b->high)
        return 0;
    return a->meter != 0 || (a->host_bpb == b->host_bpb && a->host_unit == b->host_unit);
}

uint32_t sc_compact(sc_score *s, double q) {
    uint32_t k = 0;
    while (k < s->count && s->notes[k].on < q && s->notes[k].off <= q) k++;
    if (k == 0) return 0;
    memmove(s->notes, s->notes + k, sizeof(pb_note) * (s->count - k));
    s->count -= k;
    double floor_at = s->count ? s->notes[0].on : q;
    if (floor_at > q) floor_at = q;
    if (floor_at > s->floor) s->floor = floor_at;
    return k;
}

void sc_cut(sc_score *s, double q) {
    uint32_t keep = (uint32_t)pb_lower_bound(s->notes, s->count, q);
    for (uint32_t i = 0; i < keep; i++)
        if (s->notes[i].off > q) s->notes[i].off = q;
    s->count = keep;
    s->end = q;
    s->full = 0;
}

static const char *choice(const char *const *table, int n, int i) { return i > 0 && i < n ? table[i] : NULL; }

/* the host's bar as a meter the grammar accepts ("6/8"), or NULL */
static const char *host_meter(const sc_controls *c, char *buf, int cap) {
    if (c->host_bpb <= 0 || c->host_unit <= 0 || c->host_bpb != floor(c->host_bpb) ||
        c->host_unit != floor(c->host_unit) || c->host_bpb > 99 || c->host_unit > 99)
        return NULL;
    snprintf(buf, (size_t)cap, "%d/%d", (int)c->host_bpb, (int)c->host_unit);
    for (int i = 0; i < NG_COUNT(NG_GRAMMAR_METERS); i++)
        if (!strcmp(buf, NG_GRAMMAR_METERS[i])) return buf;
    return NULL;
}

void sc_fields(const sc_controls *c, char *out, int cap) {
    char hm[16];
    const char *key = choice(NG_KEYS, NG_COUNT(NG_KEYS), c->key);
    const char *type = choice(NG_TYPES, NG_COUNT(NG_TYPES), c->type);
    const char *meter = c->meter == 0 ? host_meter(c, hm, sizeof hm) : choice(NG_METERS, NG_COUNT(NG_METERS), c->meter);
    int n = 0;
    out[0] = '\0';
    /* as SampleOptions.header: the folk unit L:1/8 comes with any asked field */
    if (key || type || meter) n += snprintf(out + n, (size_t)(cap - n), "L=1/8");
    if (type && n < cap) n += snprintf(out + n, (size_t)(cap - n), ";T=%s", type);
    if (meter && n < cap) n += snprintf(out + n, (size_t)(cap - n), ";M=%s", meter);
    if (key && n < cap) snprintf(out + n, (size_t)(cap - n), ";K=%s", key);
}

/* as SampleOptions' defaults for `notegen sample` with the C engine: tunes in
 * parts (the form "auto"), played out when laid */
static ng_options options(const sc_controls *c, uint64_t seed, int max_chars, const char *fields) {
    ng_options o;
    memset(&o, 0, sizeof o);
    o.temperature = c->temperature > 0 ? c->temperature : 0.8;
    o.seed = seed;
    o.min_notes = 16;
    o.max_chars = max_chars;
    o.echo = 0.7;
    o.loop_guard = 1;
    o.constrain = 1;
    o.form = 1;
    o.range_low = o.range_high = -1;
    if ((c->low > 0 || c->high < 127) && c->high - c->low >= 12) { /* as sample --range: an octave at least */
        o.range_low = c->low;
        o.range_high = c->high;
    }
    o.fields = fields;
    o.parts = 1; /* auto */
    return o;
}

static char ascii(int32_t cp) { return cp > 0 && cp < 128 ? (char)cp : '?'; }

/* the header line, as models/engine.py's Engine.tune draws it: up to its
 * newline, with the asked fields; written to b->text, trimmed */
static int draw_header(sc_builder *b, const sc_controls *c, uint64_t seed) {
    ng_options o = options(c, seed, SC_HEADER_CHARS, b->fields);
    if (ng_start(b->engine, &o, b->prime, 0) < 0) {
        o.fields = ""; /* a model that cannot write the fields: its own choice */
        if (ng_start(b->engine, &o, b->prime, 0) < 0) return -1;
    }
    int n = 0, id;
    while ((id = ng_next(b->engine)) >= 0) {
        char ch = ascii(ng_codepoint(b->engine, id));
        if (ch == '\n') break;
        if (n < SC_HEADER_CHARS) b->text[n++] = ch;
    }
    if (id == NG_FAIL) return -1;
    int start = 0;
    while (start < n && b->text[start] == ' ') start++;
    while (n > start && b->text[n - 1] == ' ') n--;
    memmove(b->text, b->text + start, (size_t)(n - start));
    return n - start;
}

int sc_draw(sc_builder *b, const sc_controls *c, uint64_t seed) {
    sc_fields(c, b->fields, sizeof b->fields);
    int n = draw_header(b, c, seed);
    if (n < 0) return -1;
    if (n > 0) b->text[n++] = '\n';
    for (int i = 0; i < n; i++) b->prime[i] = (unsigned char)b->text[i];
    ng_options o = options(c, seed, SC_MAX_CHARS, "");
    if (ng_start(b->engine, &o, b->prime, n) < 0) return -1;
    int id;
    while ((id = ng_next(b->engine)) >= 0)
        if (n < SC_TEXT - 1) b->text[n++] = ascii(ng_codepoint(b->engine, id));
    b->text[n] = '\0';
    return id == NG_FAIL ? -1 : n;
}

/* the meter of the text's header (M:n/d) in quarter beats; 4 without one */
static double header_bar(const char *text) {
    const char *nl = strchr(text, '\n');
    size_t len = nl ? (size_t)(nl - text) : 0;
    for (size_t i = 0; i + 1 < len; i++) {
        int num = 0, den = 0;
        if (text[i] == 'M' && text[i + 1] == ':' && (i == 0 || text[i - 1] == ' ') &&
            sscanf(text + i + 2, "%d/%d", &num, &den) == 2 && num > 0 && den > 0)
            return 4.0 * num / den;
    }
    return 4.0;
}

/* the beats before the first bar line (0: none): the onset of a note written
 * right after them */
static double pickup(sc_builder *b, int len) {
    const char *nl = strchr(b->text, '\n');
    const char *body = nl ? nl + 1 : b->text;
    if (body[0] == '|' && body[1] == ':') body += 2; /* a part opened at the start */
    const char *bar = strchr(body, '|');
    if (!bar || bar == body) return 0.0;
    static const char tail[] = " C4";
    int cut = (int)(bar - b->text);
    if (cut + (int)sizeof tail >= SC_TEXT || cut > len) return 0.0;
    char saved[sizeof tail];
    memcpy(saved, b->text + cut, sizeof tail);
    memcpy(b->text + cut, tail, sizeof tail);
    int n = ng_decode(b->text, b->decoded, SC_CAP, b->err, sizeof b->err);
    memcpy(b->text + cut, saved, sizeof tail);
    return n > 0 ? b->decoded[n - 1].onset : 0.0;
}

/* append the decoded notes with onset >= from at s->end + shift + onset, keep
 * the score sorted, and move its end to the bar line after the last note plus
 * an empty bar; 0, or -1 when they do not fit */
static int append(sc_builder *b, sc_score *s, int n, double shift, double from, double bar) {
    uint32_t first = s->count, count = 0;
    double start = s->end, last = start;
    /* kept: onsets from `from` on, and (a window) ending after the floor */
#define KEPT(i)                                  \
    (b->decoded[i].onset >= from - SC_EPS &&     \
     start + shift + b->decoded[i].onset + b->decoded[i].duration > s->floor + SC_EPS)
    for (int i = 0; i < n; i++) count += KEPT(i);
    if (count > SC_CAP - s->count) return -1;
    for (int i = 0; i < n; i++) {
        double end = start + shift + b->decoded[i].onset + b->decoded[i].duration;
        if (end > last && b->decoded[i].onset >= from - SC_EPS) last = end;
        if (!KEPT(i)) continue;
        pb_note *note = &s->notes[s->count++];
        note->on = start + shift + b->decoded[i].onset;
        note->off = note->on + b->decoded[i].duration;
        note->pitch = b->decoded[i].pitch;
    }
#undef KEPT
    /* a chord's notes share an onset and the decoder's onsets never go back,
     * so this insertion sort only guards the order */
    for (uint32_t i = first + 1; i < s->count; i++) {
        pb_note x = s->notes[i];
        uint32_t j = i;
        while (j > first && s->notes[j - 1].on > x.on) s->notes[j] = s->notes[j - 1], j--;
        s->notes[j] = x;
    }
    s->bar = bar;
    s->end = start + bar * ceil((last - start) / bar - SC_EPS) + bar;
    return 0;
}

/* lay one drawn tune (b->text) at s->end; 0, -1 when it does not fit, -2
 * when it does not decode */
static int lay(sc_builder *b, sc_score *s, int len) {
    double bar = header_bar(b->text);
    double p = pickup(b, len);
    int n = ng_decode_played(b->text, b->decoded, SC_CAP, b->err, sizeof b->err);
    if (n < 0) return -2;
    double shift = p > SC_EPS && p < bar - SC_EPS ? bar - p : 0.0;
    return append(b, s, n, shift, -INFINITY, bar);
}

int sc_continue(sc_builder *b, sc_score *s, const sc_controls *c, const ph_phrase *ph, double keep) {
    char hm[16];
    const char *meter = host_meter(c, hm, sizeof hm);
    if (!meter) meter = "4/4";
    int num = 4, den = 4;
    sscanf(meter, "%d/%d", &num, &den);
    double bar = 4.0 * num / den, beats = 0;
    const char *type = choice(NG_TYPES, NG_COUNT(NG_TYPES), c->type);
    int n = ph_prime(ph, bar, meter, type, b->text, SC_TEXT, &beats);
    if (n < 0 || n >= SC_TEXT) return -1;
    b->last_prime = n;
    for (int i = 0; i < n; i++) b->prime[i] = (unsigned char)b->text[i];
    ng_options o = options(c, (uint64_t)(int64_t)c->seed + s->tunes, SC_MAX_CHARS, "");
    o.parts = 0; /* an answer to the user's phrase: one part, as live's call and response */
    if (ng_start(b->engine, &o, b->prime, n) < 0) return -1;
    int id;
    while ((id = ng_next(b->engine)) >= 0)
        if (n < SC_TEXT - 1) b->text[n++] = ascii(ng_codepoint(b->engine, id));
    b->text[n] = '\0';
    if (id == NG_FAIL) return -1;
    int count = ng_decode(b->text, b->decoded, SC_CAP, b->err, sizeof b->err);
    if (count < 0) return -1;
    if (append(b, s, count, -beats, beats, bar) < 0 &&
        (!sc_compact(s, keep) || append(b, s, count, -beats, beats, bar) < 0))
        return -1;
    s->tunes++;
    return 0;
}

int sc_extend(sc_builder *b, sc_score *s, const sc_controls *c, double until, double keep) {
    int added = 0;
    if (s->full && keep > s->floor) s->full = 0; /* the window may move on now */
    for (int tries = 0; !s->full && s->end < until && tries < 64; tries++) {
        uint64_t seed = (uint64_t)(int64_t)c->seed + s->tunes;
        int len = sc_draw(b, c, seed);
        int rc = len < 0 ? -2 : lay(b, s, len);
        if (rc == -1 && sc_compact(s, keep)) rc = lay(b, s, len); /* room made: again */
        if (rc == -1) {
            s->full = 1;
            break;
        }
        s->tunes++;
        if (rc == -2) { /* the engine refused it: an empty bar, then the next seed */
            s->failed++;
            s->end += s->bar;
            continue;
        }
        added++;
    }
    return added;
}
