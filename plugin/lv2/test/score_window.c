/* The score's window, built with a small SC_CAP: `score_window MODEL SEED END
 * BACK` moves a position from beat 0 to END a bar at a time as the plugin's
 * worker would (lay until 16 bars ahead, drop what ended 16 bars behind when
 * full), printing each note as it becomes due ({"on", "off", "pitch"}); then it
 * relocates back to BACK (before the window: laid again from beat 0) and
 * prints the notes due in the 16 bars from there after {"back": floor}.
 * tests/plugin/test_lv2_bundle.py compares both with the whole layout. */
#include <stdio.h>
#include <stdlib.h>

#include "../src/score.h"

static void due(const sc_score *s, double from, double to) {
    for (uint32_t i = 0; i < s->count; i++)
        if (s->notes[i].on >= from && s->notes[i].on < to)
            printf("{\"on\": %.17g, \"off\": %.17g, \"pitch\": %d}\n", s->notes[i].on, s->notes[i].off,
                   s->notes[i].pitch);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: score_window MODEL SEED END BACK\n");
        return 2;
    }
    static sc_builder b;
    static sc_score s;
    char err[512];
    b.engine = ng_open(argv[1], err, sizeof err);
    if (!b.engine) {
        fprintf(stderr, "score_window: %s\n", err);
        return 2;
    }
    sc_controls c = {0.8, atoi(argv[2]), 0, 0, 0, 4, 4, 0, 127};
    double end = atof(argv[3]), back = atof(argv[4]), ahead = 16 * 4.0;
    sc_clear(&s);
    for (double q = 0; q < end; q += 4) {
        sc_extend(&b, &s, &c, q + ahead, q - ahead);
        if (s.floor > q + 1e-9 || (s.full && s.end < q + 4)) {
            fprintf(stderr, "score_window: at %g the window [%g, %g) lost the position\n", q, s.floor, s.end);
            return 1;
        }
        due(&s, q, q + 4);
    }
    printf("{\"floor\": %.17g, \"count\": %u}\n", s.floor, s.count);
    sc_clear(&s);
    s.floor = back - ahead;
    sc_extend(&b, &s, &c, back + ahead, back - ahead);
    printf("{\"back\": %.17g}\n", s.floor);
    due(&s, back, back + ahead);
    ng_close(b.engine);
    return 0;
}
