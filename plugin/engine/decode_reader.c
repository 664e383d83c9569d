/* notetokens/notes_reader.py's NoteDecoder in C, for the played-out decoder:
 * the header's unit and meter, then the body one character at a time, with
 * exact times, the bar lines (for the pickup) and the repeat marks. Each step
 * reads one character and reports at most one note event or one mark. */
#include <string.h>

#include "decode_repeats.h"
#include "internal.h"

#define MAX_EVENTS 100000 /* notetokens.limits.MAX_NOTES */
#define MAX_BEATS 16384
#define MAX_DIGITS 9

static const int PC[7] = {9, 11, 0, 2, 4, 5, 7};

int ng_rd_fail(ng_reader *r, int line, int col, const char *what) {
    ng_set_error(r->err, r->errlen, "%s at line %d, column %d", what, line, col);
    return -1;
}

static int digits(const char *s, int *at, int end, int64_t *v) {
    int start = *at;
    int64_t x = 0;
    while (*at < end && s[*at] >= '0' && s[*at] <= '9') {
        if (*at - start >= MAX_DIGITS) return -1;
        x = x * 10 + (s[(*at)++] - '0');
    }
    *v = x;
    return *at > start ? 0 : -1;
}

/* the header line s[0..end): its unit (beats per unit) and meter (bar in
 * beats, or 0/1 without one) */
int ng_rd_header(const char *s, int end, ng_frac *unit4, ng_frac *bar, char *err, size_t errlen) {
    int seen[5] = {0}, bad = 0;
    *unit4 = (ng_frac){1, 1};
    *bar = (ng_frac){0, 1};
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r')) end--;
    for (int i = 0; i < end;) {
        if (s[i] == ' ') { i++; continue; }
        int start = i;
        while (i < end && s[i] != ' ') i++;
        const char *k = strchr("TLMKQ", s[start]);
        if (!k || i - start < 2 || s[start + 1] != ':') {
            ng_set_error(err, errlen, "expected a header field T:, L:, M:, K: or Q: at line 1, column %d", start + 1);
            return -1;
        }
        if (seen[k - "TLMKQ"]++) {
            ng_set_error(err, errlen, "header field %c: given twice at line 1, column %d", s[start], start + 1);
            return -1;
        }
        if (s[start] != 'L' && s[start] != 'M') continue;
        int at = start + 2;
        int64_t n = 0, d = 1;
        if (s[start] == 'M' && (i - at == 1 || i - at == 2) && s[at] == 'C' && (i - at == 1 || s[at + 1] == '|')) {
            n = i - at == 1 ? 4 : 2, d = i - at == 1 ? 4 : 2;
        } else if (digits(s, &at, i, &n) || (at == i && (s[start] == 'M' || n != 1)) ||
                   (at < i && (s[at++] != '/' || digits(s, &at, i, &d))) || at != i || !n || !d) {
            ng_set_error(err, errlen, "%c: wants a fraction like 1/8 at line 1, column %d", s[start], start + 3);
            return -1;
        }
        if (s[start] == 'L') {
            *unit4 = ng_frac_make(4 * n, d, &bad);
        } else {
            if (d > 64 || (d & (d - 1)) || n < 1 || n > 64) {
                ng_set_error(err, errlen, "M: a meter notegen does not keep at line 1, column %d", start + 3);
                return -1;
            }
            *bar = ng_frac_make(4 * n, d, &bad);
        }
    }
    return 0;
}

void ng_rd_init(ng_reader *r, const char *s, int at, int line, ng_frac unit4, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->s = s, r->i = at, r->line = line, r->unit4 = unit4;
    r->time = (ng_frac){0, 1};
    r->tok = -1;
    r->err = err, r->errlen = errlen;
}

/* ":N", ":N/M", ":/M" or nothing at s[*p..end), as beats */
static int duration(ng_reader *r, int *p, int end, ng_frac *beats) {
    int64_t n = 1, d = 1;
    int bad = 0, col = r->tok_col + (*p - r->tok);
    if (*p < end && r->s[*p] == ':') {
        (*p)++;
        if (*p < end && r->s[*p] == '/') {
            (*p)++;
            if (digits(r->s, p, end, &d)) return ng_rd_fail(r, r->tok_line, col, "a bad duration");
        } else {
            if (digits(r->s, p, end, &n)) return ng_rd_fail(r, r->tok_line, col, "a bad duration");
            if (*p + 1 < end && r->s[*p] == '/' && r->s[*p + 1] >= '0' && r->s[*p + 1] <= '9') {
                (*p)++;
                if (digits(r->s, p, end, &d)) return ng_rd_fail(r, r->tok_line, col, "a bad duration");
            }
        }
        if (!n || !d) return ng_rd_fail(r, r->tok_line, col, "a duration must be more than zero");
    }
    *beats = ng_frac_div(ng_frac_make(n, d, &bad), (ng_frac){r->unit4.d, r->unit4.n}, &bad);
    if (bad) return ng_rd_fail(r, r->tok_line, col, "a duration too fine for 64-bit fractions");
    if (ng_frac_cmp(*beats, (ng_frac){1024, 1}) > 0 || ng_frac_cmp(*beats, (ng_frac){1, 1024}) < 0)
        return ng_rd_fail(r, r->tok_line, col, "a duration outside the limits (1/1024 to 1024 beats)");
    return 0;
}

/* letter, accidentals (#... or b...), octave digit */
static int pitch(ng_reader *r, int *p, int end, int *out) {
    const char *s = r->s;
    int col = r->tok_col + (*p - r->tok);
    char l = s[*p];
    if (l >= 'a' && l <= 'g') l = (char)(l - 32);
    if (*p >= end || l < 'A' || l > 'G') return ng_rd_fail(r, r->tok_line, col, "expected a note letter");
    (*p)++;
    int shift = 0, octave = 4;
    if (*p < end && (s[*p] == '#' || s[*p] == 'b')) {
        char a = s[*p];
        while (*p < end && s[*p] == a && shift > -200 && shift < 200) shift += a == '#' ? 1 : -1, (*p)++;
    }
    if (*p < end && s[*p] >= '0' && s[*p] <= '9') octave = s[(*p)++] - '0';
    *out = 12 * (octave + 1) + PC[l - 'A'] + shift;
    if (*out < 0 || *out > 127) return ng_rd_fail(r, r->tok_line, col, "a pitch outside MIDI 0..127");
    return 0;
}

static int chord(ng_reader *r, int end) {
    const char *s = r->s;
    int p = r->tok + 1, close = r->tok + 1, any = 0;
    while (s[close] != ']') close++; /* a flushed chord token holds its ']' */
    r->pitches[0] = r->pitches[1] = 0;
    while (p < close) {
        if (s[p] == ' ' || s[p] == '\t' || s[p] == '-') { p++; continue; }
        int q = 0;
        if (pitch(r, &p, close, &q)) return -1;
        if (p < close && s[p] != ' ' && s[p] != '\t' && s[p] != '-')
            return ng_rd_fail(r, r->tok_line, r->tok_col + (p - r->tok), "expected a chord note");
        r->pitches[q >> 6] |= 1ull << (q & 63), any = 1;
    }
    if (!any) return ng_rd_fail(r, r->tok_line, r->tok_col, "empty chord");
    p = close + 1;
    if (duration(r, &p, end, &r->dur)) return -1;
    if (p != end) return ng_rd_fail(r, r->tok_line, r->tok_col + (p - r->tok), "unexpected character after a chord");
    return 0;
}

static int flush(ng_reader *r) {
    if (r->tok < 0) return 0;
    int p = r->tok, end = r->tok + r->toklen, bad = 0;
    r->pitches[0] = r->pitches[1] = 0;
    if (r->s[p] == '[') {
        if (chord(r, end)) return -1;
    } else if (r->s[p] == 'R') {
        p++;
        if (duration(r, &p, end, &r->dur)) return -1;
    } else {
        int q = 0;
        if (pitch(r, &p, end, &q) || duration(r, &p, end, &r->dur)) return -1;
        r->pitches[q >> 6] |= 1ull << (q & 63);
    }
    if (p != end && r->s[r->tok] != '[')
        return ng_rd_fail(r, r->tok_line, r->tok_col + (p - r->tok), "unexpected character after a note or rest");
    r->on = r->time;
    r->has_note = (r->pitches[0] | r->pitches[1]) != 0;
    r->time = ng_frac_add(r->time, r->dur, &bad);
    r->tok = -1;
    if (bad) return ng_rd_fail(r, r->tok_line, r->tok_col, "a time too fine for 64-bit fractions");
    if (++r->events > MAX_EVENTS)
        return ng_rd_fail(r, r->tok_line, r->tok_col, "more than 100000 notes, rests and chords (the limit)");
    if (ng_frac_cmp(r->time, (ng_frac){MAX_BEATS, 1}) > 0)
        return ng_rd_fail(r, r->tok_line, r->tok_col, "the tune lasts past beat 16384 (the limit)");
    return 0;
}

static void add_bar(ng_reader *r) {
    r->prev_bar = r->last_bar, r->prev_nbars = r->nbars;
    r->last_bar = r->time;
    if (!r->nbars++) r->first_bar = r->time;
}

static int at_bar(const ng_reader *r) { return r->nbars && ng_frac_eq(r->last_bar, r->time); }

static void add_mark(ng_reader *r, int kind, int number) {
    r->has_mark = 1;
    r->m = (ng_mark){kind, number, r->mark_line, r->mark_col, r->time};
}

/* the character after a '|' or ':' that may open a mark: 1 when it was part
 * of the mark */
static int repeat(ng_reader *r, char ch) {
    char m = r->mark;
    r->mark = 0;
    if (m == '|') {
        if (ch != ':') return 0;
        if (r->time.n == 0 || (r->prev_nbars && ng_frac_eq(r->prev_bar, r->time)))
            r->nbars = r->prev_nbars, r->last_bar = r->prev_bar; /* no bar of its own */
        add_mark(r, NG_MK_START, 0);
        return 1;
    }
    if (ch != '|' && ch != ':')
        return ng_rd_fail(r, r->mark_line, r->mark_col, "expected '|' or ':' after ':' (the repeat marks are |: :| ::)");
    if (r->time.n > 0 && !at_bar(r)) add_bar(r);
    add_mark(r, ch == '|' ? NG_MK_END : NG_MK_BOTH, 0);
    return 1;
}

static int finish(ng_reader *r) {
    r->done = 1;
    if (r->tok >= 0 && r->s[r->tok] == '[' && !r->tok_closed)
        return ng_rd_fail(r, r->line, r->col + 1, "unclosed chord: expected ']'");
    if (r->mark == ':')
        return ng_rd_fail(r, r->mark_line, r->mark_col, "expected '|' or ':' after ':' (the repeat marks are |: :| ::)");
    return flush(r);
}

/* One character (or the end): 0, or -1 with the error written. */
int ng_rd_step(ng_reader *r) {
    r->has_note = r->has_mark = 0;
    char ch = r->s[r->i];
    if (!ch) return finish(r);
    r->i++;
    if (ch == '\n') r->line++, r->col = 0;
    else r->col++;
    if (r->mark) {
        int took = repeat(r, ch);
        if (took) return took < 0 ? -1 : 0;
    }
    int in_chord = r->tok >= 0 && r->s[r->tok] == '[' && !r->tok_closed;
    if (in_chord && r->toklen == 1 && ch >= '1' && ch <= '9') {
        r->tok = -1, r->mark_line = r->tok_line, r->mark_col = r->tok_col;
        if (!at_bar(r)) return ng_rd_fail(r, r->mark_line, r->mark_col, "an ending starts at a bar line: write | [1");
        add_mark(r, NG_MK_ENDING, ch - '0');
        return 0;
    }
    if (in_chord) {
        if (ch == '\n') return ng_rd_fail(r, r->line - 1, r->tok_col + r->toklen, "unclosed chord: expected ']'");
        if (ch == '[') return ng_rd_fail(r, r->line, r->col, "a chord cannot hold another chord");
        r->toklen++;
        r->tok_closed = ch == ']';
        return 0;
    }
    if (ch == ' ' || ch == '\t' || ch == '-' || ch == '\n' || ch == '|' || ch == '[') {
        if (flush(r)) return -1;
        if (ch == '[') {
            r->tok = r->i - 1, r->toklen = 1, r->tok_closed = 0, r->tok_line = r->line, r->tok_col = r->col;
        } else if (ch == '|') {
            add_bar(r);
            r->mark = '|', r->mark_line = r->line, r->mark_col = r->col;
        }
        return 0;
    }
    if (ch == ':' && r->tok < 0) {
        r->mark = ':', r->mark_line = r->line, r->mark_col = r->col;
        return 0;
    }
    if (r->tok < 0) {
        if (!strchr("ABCDEFGabcdefgR", ch)) return ng_rd_fail(r, r->line, r->col, "expected a note letter");
        r->tok = r->i - 1, r->toklen = 0, r->tok_closed = 0, r->tok_line = r->line, r->tok_col = r->col;
    }
    r->toklen++;
    return 0;
}
