/* The sampler of models/sampling.py and models/rules.py: the grammar's mask,
 * the nearest end at the cap, the echo, the loop guard, the wind-down, the
 * pitch range, and the draw, in the order Python asks them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ECHO_STREAM 0x5DEECE66Dull

static int fail(ng_engine *e, const char *what) {
    ng_set_error(e->err, NG_ERR, "%s", what);
    return NG_FAIL;
}

static int writable(const ng_engine *e, const char *s) {
    for (; *s; s++)
        if (e->id_of_ascii[(unsigned char)*s & 127] < 0) return 0;
    return 1;
}

/* "K=D;M=6/8,3/4" into e->fields (pointers into e->fields_buf) */
static int parse_fields(ng_engine *e, const char *spec) {
    memset(&e->fields, 0, sizeof e->fields);
    if (!spec || !*spec) return 0;
    if (strlen(spec) >= sizeof e->fields_buf) return fail(e, "header fields too long");
    strcpy(e->fields_buf, spec);
    for (char *item = e->fields_buf; item && *item;) {
        char *next = strchr(item, ';');
        if (next) *next++ = 0;
        const char *p = strchr("TLMKQ", item[0]);
        if (!item[0] || !p || item[1] != '=') return fail(e, "header fields are KEY=VALUE[,VALUE];... for T L M K Q");
        int k = (int)(p - "TLMKQ");
        for (char *v = item + 2; v;) {
            char *comma = strchr(v, ',');
            if (comma) *comma++ = 0;
            char full[64];
            snprintf(full, sizeof full, "%c:%s", item[0], v);
            if (!*v || !writable(e, full)) return fail(e, "a header value this model cannot write");
            if (e->fields.count[k] >= NG_FIELD_VALUES) return fail(e, "too many header values");
            e->fields.values[k][e->fields.count[k]++] = v;
            v = comma;
        }
        item = next;
    }
    return 0;
}

static int check_options(ng_engine *e, const ng_options *o) {
    if (!o->argmax && !(o->temperature > 0 && isfinite(o->temperature))) return fail(e, "temperature must be a number > 0");
    if (o->top_k < 0 || o->max_chars <= 0 || o->min_notes < 0 || o->bars < 0) return fail(e, "a negative option");
    if (!(o->echo >= 0 && o->echo <= 1)) return fail(e, "echo must be in [0, 1]");
    if (o->range_low >= 0 && !(o->range_low < o->range_high && o->range_high <= 127)) return fail(e, "a bad pitch range");
    if (o->parts < NG_PARTS_ONE || o->parts > NG_PARTS_FREE) return fail(e, "parts must be 0 (one) to 4 (free)");
    if (o->max_chars > NG_TEXT_CAP / 2) return fail(e, "max_chars is past what the engine holds");
    if (o->constrain && !e->music && strcmp(e->notation, "text")) return fail(e, "the C engine has the grammar of note-string models only");
    return 0;
}

static int feed_prime(ng_engine *e, const int32_t *prime, int n) {
    for (int i = 0; i < n; i++) {
        int32_t c = prime[i];
        int ok = c >= 0 && c < 128 && ng_set_has(ng_grammar_allowed(&e->gram), c);
        ng_grammar probe = e->gram;
        if (!ok && c >= 0 && c < 128 && ng_set_has(ng_grammar_inner(&probe), c)) ng_grammar_feed(&probe, (char)c);
        if (probe.bad || (ok && ng_grammar_feed(&e->gram, (char)c))) {
            ng_set_error(e->err, NG_ERR, "the prime holds a number or length past what the engine counts "
                         "exactly (64 bits), at position %d", i + 1);
            return NG_FAIL;
        }
        if (!ok) {
            ng_set_error(e->err, NG_ERR, "the prime is not valid %s text: at position %d", e->notation, i + 1);
            return NG_FAIL;
        }
    }
    ng_grammar_begin(&e->gram);
    return e->gram.bad ? fail(e, "the prime's bar lengths are past what the engine counts exactly") : 0;
}

/* Everything ng_start and ng_gram_start share: options, fields, the grammar. */
int ng_sampler_prepare(ng_engine *e, const ng_options *o, const int32_t *prime, int n) {
    e->started = 0;
    if (check_options(e, o) || parse_fields(e, o->fields)) return NG_FAIL;
    if (n < 0 || n + o->max_chars + NG_GRACE + 64 > NG_TEXT_CAP)
        return fail(e, "the prime and max_chars are longer than the engine holds (65536 characters)");
    for (int i = 0; i < n; i++) {
        int known = 0;
        for (int id = 4; id < e->vocab && !known; id++) known = e->chars[id] == prime[i];
        if (!known) {
            ng_set_error(e->err, NG_ERR, "character at position %d is not in the model's vocabulary", i + 1);
            return NG_FAIL;
        }
    }
    e->opt = *o;
    e->opt.fields = NULL;
    e->has_gram = o->constrain && e->music;
    if (!e->has_gram) return 0;
    const ng_set *a = &e->gctx.alphabet;
    int required = (ng_set_has(*a, 'M') && ng_set_has(*a, ':') && ng_set_has(*a, '/') ? 4 : 0) |
                   (ng_set_has(*a, 'K') && ng_set_has(*a, ':') ? 8 : 0);
    ng_grammar_init(&e->gram, &e->gctx, o->min_notes, o->bars, required, o->form);
    ng_grammar_set_parts(&e->gram, o->parts);
    return feed_prime(e, prime, n);
}

int ng_start(ng_engine *e, const ng_options *o, const int32_t *prime, int n) {
    if (ng_sampler_prepare(e, o, prime, n)) return NG_FAIL;
    if (n > 0) memcpy(e->text, prime, (size_t)n * sizeof(int32_t));
    e->ntext = e->nprime = n;
    e->n = 0, e->last = -1, e->done = 0, e->closed = 0;
    e->cap = o->max_chars;
    e->limit = o->max_chars + (e->has_gram ? NG_GRACE : 0);
    e->gen = o->seed;
    e->echo_gen = o->seed ^ ECHO_STREAM;
    memset(e->guard, 0, NG_GUARD_SLOTS * sizeof(ng_guard_slot));
    ng_echo_reset(e);
    e->echo_on = o->echo > 0 && e->has_gram;
    for (int i = 0; e->echo_on && i < n; i++) ng_echo_push(e, prime[i]);
    e->started = 1;
    return 0;
}

/* NearestEnd.stop */
static int stop(ng_engine *e) {
    int reached = e->n >= e->cap;
    ng_grammar *g = &e->gram;
    if (!e->has_gram) return reached;
    if (reached && e->n >= e->limit && (ng_grammar_can_end(g) || ng_grammar_resting(g))) return 1;
    if (reached && !e->closed) {
        e->closed = 1;
        ng_grammar_close(g);
    }
    return ng_grammar_can_end(g) && (reached || g->closing);
}

/* The grammar's mask with the pitch range's bans (the strict rules). */
static int refresh(ng_engine *e) {
    e->mask_on = e->has_gram;
    if (!e->has_gram) return 0;
    ng_set a = ng_grammar_allowed(&e->gram);
    int any = 0;
    for (int id = 0; id < e->vocab; id++) {
        int32_t c = e->chars[id];
        int ok = id == NG_EOS ? ng_grammar_can_end(&e->gram) : c >= 0 && c < 128 && ng_set_has(a, c);
        e->mask[id] = ok ? 0.0f : -INFINITY;
        any |= ok;
    }
    if (!any) return fail(e, "the grammar allows no character this model knows; cannot continue");
    if (e->opt.range_low >= 0)
        for (char d = '0'; d <= '9'; d++) {
            int p = ng_grammar_pitch_after(&e->gram, d), id = e->id_of_ascii[(int)d];
            if (p >= 0 && id >= 0 && (p < e->opt.range_low || p > e->opt.range_high)) e->mask[id] = -INFINITY;
        }
    return 0;
}

static int permits(const ng_engine *e, int32_t c) {
    int id = c >= 0 && c < 128 ? e->id_of_ascii[c] : -1;
    return id >= 0 && (!e->mask_on || isfinite(e->mask[id]));
}

/* PhraseEchoRule.forced: the echo's next character, if the mask permits it. */
static int forced(ng_engine *e) {
    if (!e->echo_on || !e->qlen) return -1;
    int32_t c = e->queue[e->qhead];
    if (!permits(e, c)) {
        e->qlen = 0, e->qhead = 0;
        return -1;
    }
    e->qhead++, e->qlen--;
    return e->id_of_ascii[c];
}

static int choose_with(ng_engine *e, const float *add, int end_ok) {
    for (int i = 0; i < e->vocab; i++) e->scratch[i] = e->logits[i] + (add ? add[i] : 0.0f);
    if (end_ok) e->scratch[NG_EOS] = e->logits[NG_EOS];
    return ng_choose(e, e->scratch, &e->gen);
}

/* the loop guard's bans, unless they would leave nothing to write */
static void soft_bans(ng_engine *e) {
    int32_t banned[32];
    int nb = ng_guard_banned(e, banned, 32), any_id = 0;
    for (int k = 0; k < nb; k++) any_id |= banned[k] >= 0 && banned[k] < 128 && e->id_of_ascii[banned[k]] >= 0;
    if (!any_id) return;
    int finite = 0;
    for (int i = 0; i < e->vocab; i++) {
        int banned_here = 0;
        for (int k = 0; k < nb; k++) banned_here |= e->chars[i] == banned[k] && i >= 4;
        float m = e->mask_on ? e->mask[i] : 0.0f;
        finite |= !banned_here && isfinite(m);
    }
    if (!finite) return;
    if (!e->mask_on) memset(e->mask, 0, (size_t)e->vocab * sizeof(float));
    e->mask_on = 1;
    for (int i = 4; i < e->vocab; i++)
        for (int k = 0; k < nb; k++)
            if (e->chars[i] == banned[k]) e->mask[i] = -INFINITY;
}

static int drawn(ng_engine *e) {
    if (e->opt.loop_guard) soft_bans(e);
    ng_grammar *g = &e->gram;
    if (e->has_gram && e->opt.form && !ng_grammar_can_end(g) && ng_grammar_may_wind_down(g)) {
        if (choose_with(e, e->mask, 1) == NG_EOS) { /* the model would end here: wind down */
            ng_grammar_wind_down(g);
            if (refresh(e)) return NG_FAIL;
        }
    }
    if (e->mask_on) return choose_with(e, e->mask, 0);
    int i = choose_with(e, NULL, 0);
    if (i == NG_PAD || i == NG_BOS || i == NG_UNK) {
        for (int k = 0; k < e->vocab; k++) e->mask[k] = k == NG_PAD || k == NG_BOS || k == NG_UNK ? -INFINITY : 0.0f;
        i = choose_with(e, e->mask, 0);
    }
    return i;
}

static void push(ng_engine *e, int id) {
    int32_t c = e->chars[id];
    if (e->has_gram) ng_grammar_feed(&e->gram, (char)c);
    if (e->ntext < NG_TEXT_CAP) e->text[e->ntext++] = c;
    if (e->echo_on) ng_echo_push(e, c);
}

static void advance_model(ng_engine *e) {
    if (e->last >= 0) {
        ng_model_step(e, e->last);
        return;
    }
    ng_reset(e);
    ng_model_step(e, NG_BOS);
    for (int i = 0; i < e->nprime; i++) {
        int32_t c = e->text[i];
        int id = c >= 0 && c < 128 ? e->id_of_ascii[c] : -1;
        for (int k = 4; id < 0 && k < e->vocab; k++)
            if (e->chars[k] == c) id = k;
        ng_model_step(e, id);
    }
}

int ng_next(ng_engine *e) {
    if (!e->started) return fail(e, "ng_start first");
    if (e->done) return NG_DONE;
    if (stop(e) || e->ntext >= NG_TEXT_CAP) {
        e->done = 1;
        return NG_DONE;
    }
    if (refresh(e)) return NG_FAIL;
    advance_model(e);
    int i = forced(e);
    if (i < 0) i = drawn(e);
    if (i == NG_FAIL) return NG_FAIL;
    if (i < 0) return fail(e, "nothing to draw");
    if (i == NG_EOS) {
        e->done = 1;
        return NG_DONE;
    }
    push(e, i);
    e->n++;
    e->last = i;
    return i;
}
