/* The transport reader: time:Position objects with every numeric atom type,
 * Ardour's rounded reports every cycle (the clock must keep its own time),
 * real jumps (the clock re-syncs and marks a relocation), tempo and meter.
 * Built with -fsanitize=address,undefined by `make -C plugin/lv2 test`. */
#include <lv2/atom/forge.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TR_WITH_LV2
#include "../src/transport.h"

static int failures;
#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            failures++;                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
        }                                                        \
    } while (0)

/* a tiny URID map: the URI's index in a table */
static const char *uris[64];
static int n_uris;
static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri) {
    (void)h;
    for (int i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri)) return (LV2_URID)(i + 1);
    uris[n_uris++] = uri;
    return (LV2_URID)n_uris;
}
static LV2_URID_Map map = {NULL, map_uri};
static tr_uris U;
static LV2_Atom_Forge forge;
static uint8_t buf[1024];

enum { AS_INT, AS_LONG, AS_FLOAT, AS_DOUBLE };
static void put(int as, LV2_URID key, double v) {
    lv2_atom_forge_key(&forge, key);
    if (as == AS_INT) lv2_atom_forge_int(&forge, (int32_t)v);
    else if (as == AS_LONG) lv2_atom_forge_long(&forge, (int64_t)v);
    else if (as == AS_FLOAT) lv2_atom_forge_float(&forge, (float)v);
    else lv2_atom_forge_double(&forge, v);
}

/* a time:Position with every field in the atom types given */
static void position(tr_clock *c, int as_int, int as_real, double bar, double bar_beat, double bpb, double unit,
                     double bpm, double speed) {
    lv2_atom_forge_set_buffer(&forge, buf, sizeof buf);
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_object(&forge, &frame, 0, map_uri(NULL, "http://lv2plug.in/ns/ext/time#Position"));
    put(as_int, U.time_bar, bar);
    put(as_real, U.time_barBeat, bar_beat);
    put(as_int, U.time_beatsPerBar, bpb);
    put(as_int, U.time_beatUnit, unit);
    put(as_real, U.time_beatsPerMinute, bpm);
    put(as_real, U.time_speed, speed);
    lv2_atom_forge_pop(&forge, &frame);
    tr_pos p;
    tr_read(&U, (const LV2_Atom_Object *)buf, &p);
    CHECK(p.has_bar && p.has_bar_beat && p.has_bpb && p.has_unit && p.has_bpm && p.has_speed, "a field unread");
    tr_update(c, &p);
}

int main(void) {
    lv2_atom_forge_init(&forge, &map);
    U.atom_Int = forge.Int, U.atom_Long = forge.Long, U.atom_Float = forge.Float, U.atom_Double = forge.Double;
    U.atom_Bool = forge.Bool;
    U.time_bar = map_uri(NULL, "bar"), U.time_barBeat = map_uri(NULL, "barBeat"), U.time_beat = map_uri(NULL, "beat");
    U.time_beatsPerBar = map_uri(NULL, "bpb"), U.time_beatUnit = map_uri(NULL, "unit");
    U.time_beatsPerMinute = map_uri(NULL, "bpm"), U.time_speed = map_uri(NULL, "speed");
    U.time_frame = map_uri(NULL, "frame");

    /* every numeric type reads the same: 6/8 at 133.7, bar 3 beat 1.5 */
    for (int as_int = AS_INT; as_int <= AS_DOUBLE; as_int++)
        for (int as_real = AS_FLOAT; as_real <= AS_DOUBLE; as_real++) {
            tr_clock c;
            tr_init(&c, 48000);
            CHECK(!tr_rolling(&c), "rolling before any position");
            position(&c, as_int, as_real, 3, 1.5, 6, 8, 133.7, 1);
            CHECK(tr_rolling(&c) && c.relocated, "types %d/%d: not rolling from the first position", as_int, as_real);
            CHECK(fabs(tr_position(&c) - (3 * 6 + 1.5) * 4 / 8) < 1e-12, "types %d/%d: at %g", as_int, as_real,
                  tr_position(&c));
            double fpq = 48000 * 60 / (as_real == AS_FLOAT ? (double)133.7f : 133.7) * 8 / 4;
            CHECK(fabs(tr_frames_per_quarter(&c) - fpq) < 1e-6, "types %d/%d: %g frames a quarter", as_int, as_real,
                  tr_frames_per_quarter(&c));
            CHECK(fabs(tr_bar_quarters(&c) - 3.0) < 1e-12, "6/8 is 3 quarters a bar");
        }

    /* Ardour: a report every 256-frame cycle, barBeat rounded to 1/1920 beat:
     * the clock keeps its own time (no re-sync, no relocation) */
    tr_clock c;
    tr_init(&c, 48000);
    position(&c, AS_LONG, AS_FLOAT, 0, 0, 4, 4, 133.7, 1);
    c.relocated = 0;
    uint32_t jumps = c.jumps;
    for (int k = 1; k <= 4000; k++) {
        tr_advance(&c, 256);
        double beats = k * 256 * (double)133.7f / 60 / 48000; /* host beats = quarters in 4/4 */
        double bar = floor(beats / 4), bar_beat = round((beats - bar * 4) * 1920) / 1920;
        position(&c, AS_LONG, AS_FLOAT, bar, bar_beat, 4, 4, 133.7, 1);
        CHECK(!c.relocated, "cycle %d: a rounded report counted as a jump", k);
        double exact = 0 + (double)k * 256 / tr_frames_per_quarter(&c);
        CHECK(fabs(tr_position(&c) - exact) < 1e-9, "cycle %d: the clock followed the rounding (%.12g vs %.12g)", k,
              tr_position(&c), exact);
        if (failures) break;
    }
    CHECK(c.jumps == jumps, "re-synced %u times", c.jumps - jumps);

    /* a real jump: the clock takes the host's position and marks it */
    position(&c, AS_INT, AS_DOUBLE, 2, 0.5, 4, 4, 133.7, 1);
    CHECK(c.relocated && fabs(tr_position(&c) - 8.5) < 1e-12, "a jump to bar 2 beat 0.5 missed (%g)", tr_position(&c));
    /* just past the tolerance is a jump, inside it is not */
    c.relocated = 0;
    position(&c, AS_INT, AS_DOUBLE, 2, 0.5 + TR_TOLERANCE * 0.9, 4, 4, 133.7, 1);
    CHECK(!c.relocated && fabs(tr_position(&c) - 8.5) < 1e-12, "a report inside the tolerance moved the clock");
    position(&c, AS_INT, AS_DOUBLE, 2, 0.5 + TR_TOLERANCE * 1.5, 4, 4, 133.7, 1);
    CHECK(c.relocated, "a report past the tolerance is a jump");

    /* a tempo change re-anchors without a relocation; stopping holds the clock */
    c.relocated = 0;
    double here = tr_position(&c);
    position(&c, AS_INT, AS_DOUBLE, 2, 0.5 + TR_TOLERANCE * 1.5, 4, 4, 90, 1);
    CHECK(!c.relocated && fabs(tr_position(&c) - here) < 1e-12, "a tempo change moved the clock");
    CHECK(fabs(tr_frames_per_quarter(&c) - 32000) < 1e-9, "90 bpm is 32000 frames a quarter");
    position(&c, AS_INT, AS_DOUBLE, 2, 0.5 + TR_TOLERANCE * 1.5, 4, 4, 90, 0);
    CHECK(!tr_rolling(&c) && tr_frames_per_quarter(&c) == 0, "speed 0 still rolls");
    tr_advance(&c, 48000);
    CHECK(fabs(tr_position(&c) - here) < 1e-12, "a stopped clock moved");

    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("test_transport: all passed\n");
    return 0;
}
