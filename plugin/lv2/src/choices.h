/* The values of the enumeration ports, in port order (index 0 of each is
 * "the model's choice" / "follow the host" and holds no value here). They
 * must match notegen.ttl's lv2:scalePoint lists (tests/plugin/test_lv2_bundle.py
 * compares them) and values the folk grammar accepts (notetokens/header_values.py). */
#ifndef NG_CHOICES_H
#define NG_CHOICES_H

/* key: 1.. = the major keys, by the circle of fifths */
static const char *const NG_KEYS[] = {NULL, "C", "G", "D", "A", "E", "B", "F#", "C#",
                                      "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"};
/* meter: 0 = follow the host's bar, 1 = the model's choice, 2.. = these */
static const char *const NG_METERS[] = {NULL, NULL, "2/4", "3/4", "4/4", "6/8", "9/8"};
/* type: 1.. = notetokens/tunetype.py's TUNE_TYPES, in its order */
static const char *const NG_TYPES[] = {NULL,         "reel",  "jig",   "slip-jig",  "hornpipe",   "polka",  "waltz",
                                       "strathspey", "march", "air",   "slide",     "set-dance",  "clog",   "fling",
                                       "barndance",  "mazurka", "schottische", "gavotte", "minuet", "walkaround", "song"};
/* the meters the grammar accepts (header_values.METERS): the host's bar is
 * followed where it is one of these */
static const char *const NG_GRAMMAR_METERS[] = {"2/2", "2/4", "3/2", "3/4", "3/8", "4/4", "5/4",
                                                "5/8", "6/4", "6/8", "7/8", "9/8", "12/8"};

#define NG_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
