/* The grammar on its own, for the differential tests and the plugin. */
#include "internal.h"

int ng_gram_start(ng_engine *e, const ng_options *o, const int32_t *prime, int n) {
    if (ng_sampler_prepare(e, o, prime, n)) return NG_FAIL;
    if (!e->has_gram) {
        ng_set_error(e->err, NG_ERR, "this model has no grammar (or constrain is off)");
        return NG_FAIL;
    }
    return 0;
}

int ng_gram_allowed(ng_engine *e, uint8_t *flags) {
    ng_set a = ng_grammar_allowed(&e->gram);
    int count = 0;
    for (int id = 0; id < e->vocab; id++) {
        int32_t c = e->chars[id];
        int ok = id == NG_EOS ? ng_grammar_can_end(&e->gram) : c >= 0 && c < 128 && ng_set_has(a, c);
        flags[id] = (uint8_t)ok;
        count += ok;
    }
    return count;
}

int ng_gram_feed(ng_engine *e, int id) {
    int32_t c = ng_codepoint(e, id);
    if (c < 0 || c >= 128 || !ng_set_has(ng_grammar_allowed(&e->gram), c) || ng_grammar_feed(&e->gram, (char)c)) {
        ng_set_error(e->err, NG_ERR, "id %d may not come here", id);
        return NG_FAIL;
    }
    return 0;
}

void ng_gram_close(ng_engine *e) { ng_grammar_close(&e->gram); }

int ng_gram_wind_down(ng_engine *e) {
    if (ng_grammar_can_end(&e->gram) || !ng_grammar_may_wind_down(&e->gram)) return 0;
    ng_grammar_wind_down(&e->gram);
    return 1;
}
