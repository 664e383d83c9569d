/* The score builder outside the plugin: `score_dump MODEL SEED TUNES [key meter
 * type temperature host_bpb host_unit]` lays TUNES tunes as the worker would
 * (a negative TUNES: until the layout reaches -TUNES quarter beats, no texts)
 * and prints, as JSON lines, each tune's text ({"tune": k, "text": ...}) and
 * then every note ({"on": .., "off": .., "pitch": ..}) and the layout's end.
 * With NG_PHRASE="pitch:on:off,..." (quarter beats) the layout opens with the
 * continuation of that phrase ({"continued": text, "prime": its prime} first).
 * tests/plugin/test_lv2_bundle.py compares it with the Python sampler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/score.h"

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if (*s == '\n') printf("\\n");
        else putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: score_dump MODEL SEED TUNES [key meter type temperature bpb unit low high]\n");
        return 2;
    }
    static sc_builder b;
    static sc_score s;
    char err[512];
    b.engine = ng_open(argv[1], err, sizeof err);
    if (!b.engine) {
        fprintf(stderr, "score_dump: %s: %s\n", argv[1], err);
        return 2;
    }
    sc_controls c = {0.8, atoi(argv[2]), 0, 0, 0, 4, 4, 0, 127};
    int tunes = atoi(argv[3]);
    if (argc > 4) c.key = atoi(argv[4]);
    if (argc > 5) c.meter = atoi(argv[5]);
    if (argc > 6) c.type = atoi(argv[6]);
    if (argc > 7) c.temperature = atof(argv[7]);
    if (argc > 8) c.host_bpb = atof(argv[8]);
    if (argc > 9) c.host_unit = atof(argv[9]);
    if (argc > 10) c.low = atoi(argv[10]);
    if (argc > 11) c.high = atoi(argv[11]);
    sc_fields(&c, b.fields, sizeof b.fields);
    printf("{\"fields\": ");
    json_string(b.fields);
    printf("}\n");
    for (int k = 0; k < tunes; k++) {
        if (sc_draw(&b, &c, (uint64_t)c.seed + (uint64_t)k) < 0) {
            fprintf(stderr, "score_dump: tune %d: %s\n", k, ng_error(b.engine));
            return 1;
        }
        printf("{\"tune\": %d, \"text\": ", k);
        json_string(b.text);
        printf("}\n");
    }
    sc_clear(&s);
    const char *phrase = getenv("NG_PHRASE");
    if (phrase && *phrase) {
        static ph_phrase ph;
        ph_clear(&ph);
        for (const char *at = phrase; at && *at; at = strchr(at, ',') ? strchr(at, ',') + 1 : NULL) {
            int pitch;
            double on, off;
            if (sscanf(at, "%d:%lf:%lf", &pitch, &on, &off) != 3) return 2;
            ph_on(&ph, on, pitch);
            ph_off(&ph, off, pitch);
        }
        if (sc_continue(&b, &s, &c, &ph, -1)) {
            fprintf(stderr, "score_dump: the phrase was not continued: %s\n", ng_error(b.engine));
            return 1;
        }
        printf("{\"continued\": ");
        json_string(b.text);
        printf(", \"prime\": ");
        b.text[b.last_prime] = '\0';
        json_string(b.text);
        printf("}\n");
    }
    if (tunes < 0) /* a negative count: lay until the layout reaches -TUNES beats */
        while (s.end < -tunes && !s.full) sc_extend(&b, &s, &c, -tunes, -1);
    while ((int)s.tunes < tunes && !s.full) sc_extend(&b, &s, &c, s.end + 1e-6, -1);
    for (uint32_t i = 0; i < s.count; i++)
        printf("{\"on\": %.17g, \"off\": %.17g, \"pitch\": %d}\n", s.notes[i].on, s.notes[i].off, s.notes[i].pitch);
    printf("{\"end\": %.17g, \"tunes\": %u, \"bar\": %.17g, \"full\": %u}\n", s.end, s.tunes, s.bar, s.full);
    ng_close(b.engine);
    return 0;
}
