"""Live MIDI playback as a library (installed as `notegen.live`).

    ports      MIDI ports and the MIDI system choice (JACK, ALSA, CoreMIDI, Windows)
    timebase   the followed MIDI beat clock (free-running time is the player's own)
    beats      the playback core: the events in a window of beats, never a clock; the file render
    blocks     the core driven by a plugin host's blocks of frames and transport positions
    player     the real-time driver: sends the core's events at their clock times; silences
               every note however it ends
    feed       the look-ahead: sampler -> note decoder -> bounded queue, in a thread
    repeatplay a streamed tune's repeats played out as it is written
    respond    call and response: listen for a phrase, answer with its continuation
    scoreplay  play a whole Score (`notegen sample --play`), repeats played out
    session    `run_live`: one session wired from the above, with clean stops

Imports run one way: notetokens <- notegen.models <- notegen.live <- notegen.cli.
Modules load lazily: importing this package imports none of them.
"""
