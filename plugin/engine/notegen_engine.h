/* notegen's sampling engine in C: a checkpoint, the model step, the draw, the
 * note-string grammar, the sampler's rules and a decoder to notes in beats.
 *
 * ng_open() allocates everything the engine will ever use; nothing after it
 * allocates (ng_start, ng_next, ng_logits, the grammar and the decoder work in
 * that memory). Every function that can fail returns a negative number and
 * leaves one line in ng_error(). */
#ifndef NOTEGEN_ENGINE_H
#define NOTEGEN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ng_engine ng_engine;

enum { NG_PAD = 0, NG_BOS = 1, NG_EOS = 2, NG_UNK = 3 };
enum { NG_DONE = -1, NG_FAIL = -2 };

typedef struct ng_options {
    double temperature; /* > 0 */
    int top_k;          /* 0: off */
    double top_p;       /* >= 1 or <= 0: off */
    int argmax;
    uint64_t seed;
    int min_notes;
    int bars;      /* 0: none */
    int max_chars; /* the character cap (required: > 0) */
    double echo;   /* chance per echo rule; 0: off */
    int loop_guard;
    int constrain;
    int form;
    int range_low, range_high; /* MIDI pitches; range_low < 0: off */
    /* header fields: "K=D;M=6/8,3/4;T=reel" (a field may list choices) */
    const char *fields;
    /* the form (notetokens/parts_grammar.py): 0 one (no repeat marks; a zeroed
     * struct's), 1 auto, 2 AABB, 3 AB, 4 free */
    int parts;
} ng_options;

/* Load a checkpoint; NULL on failure with the reason in err (errlen bytes). */
ng_engine *ng_open(const char *path, char *err, size_t errlen);
void ng_close(ng_engine *e);
const char *ng_error(const ng_engine *e);

int ng_vocab_size(const ng_engine *e);
/* The Unicode code point of an id (-1 for the specials). */
int32_t ng_codepoint(const ng_engine *e, int id);
const char *ng_notation(const ng_engine *e);
const char *ng_cell(const ng_engine *e);
int ng_hidden_size(const ng_engine *e);
int ng_num_layers(const ng_engine *e);
int ng_embed_dim(const ng_engine *e);

/* The model alone: ng_reset() zeroes the state, ng_step() feeds one id and
 * writes the logits (vocab_size floats) into out. */
void ng_reset(ng_engine *e);
int ng_step(ng_engine *e, int id, float *out);

/* Sampling: ng_start() reads the prime (code points, n of them) and checks
 * the options; ng_next() returns the next id, NG_DONE at the end, NG_FAIL on
 * an error. */
int ng_start(ng_engine *e, const ng_options *o, const int32_t *prime, int n);
int ng_next(ng_engine *e);

/* The grammar alone (as the sampler builds it from o): ng_gram_begin() feeds
 * the prime leniently and begins; ng_gram_allowed() writes a 0/1 flag per id
 * (the end token where the text may end) and returns how many are allowed. */
int ng_gram_start(ng_engine *e, const ng_options *o, const int32_t *prime, int n);
int ng_gram_allowed(ng_engine *e, uint8_t *flags);
int ng_gram_feed(ng_engine *e, int id);
void ng_gram_close(ng_engine *e);
int ng_gram_wind_down(ng_engine *e); /* winds down where it may; returns whether it did */

/* Decoding: the notes of a note-string text (ASCII), onset and duration in
 * quarter-note beats; a chord gives one note per pitch. Returns the count
 * (at most cap) or NG_FAIL. */
typedef struct ng_note {
    double onset, duration;
    int pitch;
} ng_note;
int ng_decode(const char *text, ng_note *notes, int cap, char *err, size_t errlen);
/* The notes as played (what `notegen sample --out tune.mid` writes): the
 * repeats (|: :| ::, endings [1 [2) expanded as notes.parse(text).played_out()
 * has them, in time order (a chord's pitches low to high); marks that make no
 * parts are an error. Returns the count (at most cap: a longer tune is cut)
 * or NG_FAIL. */
int ng_decode_played(const char *text, ng_note *notes, int cap, char *err, size_t errlen);

/* Heap calls made by this engine so far (the no-allocation test reads it). */
long ng_allocations(void);

#ifdef __cplusplus
}
#endif
#endif
