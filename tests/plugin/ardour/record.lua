-- notegen in Ardour, headless (ardour7-lua, the Dummy backend): track "gen"
-- runs urn:notegen:generator, its MIDI output feeds track "rec", which records
-- it while the transport rolls. Ardour's own note list of each recorded region
-- is printed, one JSON line a note, for tests/plugin/test_ardour.py.
--
--   ardour7-lua record.lua new DIR RATE BPM SEED KEY QUARTERS SPEED OUTPUTS
--       a session in DIR (which must not exist): tempo BPM, notegen's seed and
--       key controls set before its first run; record QUARTERS quarter beats
--       from the start, print the region's notes, save, close. OUTPUTS:
--       "connected" leaves the master bus on the backend's playback ports (as
--       Ardour makes it), "none" disconnects it (no output latency)
--   ardour7-lua record.lua again DIR QUARTERS SPEED
--       reopen DIR: print the saved region's notes (read back from the session's
--       MIDI file), record again from the start, print the new take's notes
--
-- SPEED is the Dummy backend's driver ("Normal Speed", "5x Speed", ...): how
-- much faster than real time its cycles come.
-- Lines: {"event": ...} for what happened, {"take": N, "on": "B:T", "len": "B:T",
-- "pitch": P, "channel": C, "velocity": V} for a note (beats:ticks from the
-- region's start), {"region": N, "position": "B:T", "start": "B:T"} for a take,
-- {"event": "tap", ...} what the Lua DSP tap (ng_tap.lua, after notegen on
-- "gen") counted: note-ons, note-ons while stopped, notes sounding after the
-- last rolling cycle and after the stopped cycles that followed.
-- The tap is found by name among the Lua DSP scripts: ng_tap.lua must be in
-- Ardour's script path (the test puts it in $XDG_CONFIG_HOME/ardour7/scripts).

local function say(fields)
	local parts = {}
	for _, kv in ipairs(fields) do
		local k, v = kv[1], kv[2]
		if type(v) == "string" then v = string.format("%q", v) end
		parts[#parts + 1] = string.format("%q: %s", k, tostring(v))
	end
	print("{" .. table.concat(parts, ", ") .. "}")
	io.stdout:flush()
end

local function fail(why)
	io.stderr:write("record.lua: " .. why .. "\n")
	os.exit(2)
end

local function wait_for(ok, seconds, why)
	local deadline = os.time() + seconds
	while not ok() do
		if os.time() > deadline then fail("timed out: " .. why) end
		ARDOUR.LuaAPI.usleep(2000)
	end
end

local function track(name)
	local r = Session:route_by_name(name)
	if r:isnil() then fail("no track " .. name) end
	return r:to_track():to_midi_track()
end

local function param_index(plug, label)
	local n = 0
	for j = 0, plug:parameter_count() - 1 do
		if plug:parameter_is_control(j) then
			if plug:parameter_is_input(j) and plug:parameter_label(j) == label then return n end
			n = n + 1
		end
	end
	fail("notegen has no control " .. label)
end

local function set_tempo(bpm)
	local tm = Temporal.TempoMap.fetch_writable()
	tm:set_tempo(Temporal.Tempo(bpm, bpm, 4), Temporal.timepos_t(0))
	Temporal.TempoMap.update(tm)
end

local function build(bpm, seed, key, outputs)
	set_tempo(bpm)
	local midi = ARDOUR.DataType("midi")
	local made = Session:new_midi_track(ARDOUR.ChanCount(midi, 1), ARDOUR.ChanCount(midi, 1), false,
		ARDOUR.PluginInfo(), nil, nil, 1, "gen", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, false, false)
	made = Session:new_midi_track(ARDOUR.ChanCount(midi, 1), ARDOUR.ChanCount(midi, 1), false,
		ARDOUR.PluginInfo(), nil, nil, 1, "rec", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, false, false)
	local gen, rec = track("gen"), track("rec")
	local p = ARDOUR.LuaAPI.new_plugin(Session, "urn:notegen:generator", ARDOUR.PluginType.LV2, "")
	if p:isnil() then fail("Ardour found no urn:notegen:generator (LV2_PATH?)") end
	local plug = p:to_insert():plugin(0)
	-- before the plugin's first run: its first score is drawn with these
	if not ARDOUR.LuaAPI.set_processor_param(p, param_index(plug, "Seed"), seed) then fail("seed") end
	if not ARDOUR.LuaAPI.set_processor_param(p, param_index(plug, "Key"), key) then fail("key") end
	if gen:add_processor_by_index(p, 0, nil, true) ~= 0 then fail("cannot add notegen to gen") end
	local tap = ARDOUR.LuaAPI.new_luaproc(Session, "notegen test tap")
	if tap:isnil() then fail("no Lua DSP 'notegen test tap' (ng_tap.lua in the config's scripts)") end
	if gen:add_processor_by_index(tap, 1, nil, true) ~= 0 then fail("cannot add the tap to gen") end
	gen:input():disconnect_all(nil)
	gen:output():disconnect_all(nil)
	rec:input():disconnect_all(nil)
	rec:output():disconnect_all(nil)
	if gen:output():nth(0):connect(rec:input():nth(0):name()) ~= 0 then fail("cannot connect gen to rec") end
	if outputs == "none" then -- no output latency to compensate: the master bus feeds no port
		Session:master_out():output():disconnect_all(nil)
	elseif outputs ~= "connected" then
		fail("OUTPUTS is connected or none, not " .. outputs)
	end
	say({{"event", "built"}, {"plugin", plug:name()}, {"seed", seed}, {"key", key}})
end

local function takes(rec)
	local list = {}
	for r in rec:playlist():region_list():iter() do list[#list + 1] = r end
	return list
end

local function print_region(n, region)
	local mr = region:to_midiregion()
	say({{"region", n}, {"position", region:position():beats():str()}, {"start", region:start():beats():str()},
		{"length", region:length():beats():str()}})
	for note in ARDOUR.LuaAPI.note_list(mr:model()):iter() do
		say({{"take", n}, {"on", note:time():str()}, {"len", note:length():str()}, {"pitch", note:note()},
			{"channel", note:channel()}, {"velocity", note:velocity()}})
	end
end

-- record from the session's start for `quarters` quarter beats of the tempo map
-- (to the end of the cycle that reaches them)
local function record(quarters)
	local rec = track("rec")
	local before = #takes(rec)
	Session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
	wait_for(function() return Session:transport_sample() == 0 and Session:transport_stopped() end, 20, "locate to 0")
	ARDOUR.LuaAPI.usleep(500000) -- the plugin's worker draws its score while stopped
	rec:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
	Session:maybe_enable_record(false)
	wait_for(function() return Session:record_status() ~= ARDOUR.Session.RecordState.Disabled end, 20, "record enable")
	wait_for(function() return rec:rec_enable_control():get_value() == 1 end, 20, "rec armed")
	ARDOUR.LuaAPI.usleep(500000) -- the arming and the latencies reach the disk writer
	local tm = Temporal.TempoMap.read()
	local whole = math.floor(quarters)
	local stop_at = tm:sample_at_beats(Temporal.Beats(whole, math.floor((quarters - whole) * 1920 + 0.5)))
	tm = nil
	Session:reset_xrun_count()
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	wait_for(function() return Session:transport_rolling() end, 20, "roll")
	wait_for(function() return Session:transport_sample() >= stop_at end, 600, "the stop position")
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	wait_for(function() return Session:transport_stopped() end, 20, "stop")
	local stopped = Session:transport_sample()
	ARDOUR.LuaAPI.usleep(300000) -- stopped cycles go by
	local shm = track("gen"):nth_plugin(1):to_insert():plugin(0):to_luaproc():shmem()
	say({{"event", "tap"}, {"ons", shm:atomic_get_int(0)}, {"ons_stopped", shm:atomic_get_int(1)},
		{"sounding_stopped", shm:atomic_get_int(2)}, {"stops", shm:atomic_get_int(3)},
		{"sounding_rolling", shm:atomic_get_int(4)}})
	Session:disable_record(false, false)
	rec:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
	wait_for(function() return #takes(rec) > before end, 20, "the new take")
	local gen = track("gen")
	say({{"event", "recorded"}, {"stopped", stopped}, {"xruns", Session:get_xrun_count()},
		{"period", Session:get_block_size()},
		{"gen_playback_latency", gen:playback_latency(true)}, {"rec_playback_latency", rec:playback_latency(true)},
		{"rec_input_latency", rec:input():latency()}, {"worst_output", Session:worst_output_latency()},
		{"worst_input", Session:worst_input_latency()}, {"worst_route", Session:worst_route_latency()},
		{"gen_to_rec", gen:output():nth(0):connected_to(rec:input():nth(0):name())}})
	local list = takes(rec)
	return list[#list], #list
end

local mode = arg[1]
if mode == "new" then
	local dir, rate, bpm, seed, key, quarters, speed, outputs = arg[2], tonumber(arg[3]), tonumber(arg[4]),
		tonumber(arg[5]), tonumber(arg[6]), tonumber(arg[7]), arg[8], arg[9]
	if not AudioEngine:set_backend("None (Dummy)", speed, "") then fail("no Dummy backend") end
	if create_session(dir, "ng", rate) == nil then fail("cannot create a session in " .. dir) end
	say({{"event", "session"}, {"rate", Session:nominal_sample_rate()}, {"backend", AudioEngine:current_backend_name()}})
	build(bpm, seed, key, outputs)
	local region, n = record(quarters)
	print_region(n, region)
	Session:save_state("", false, false, false, false, false)
	say({{"event", "saved"}})
elseif mode == "again" then
	local dir, quarters, speed = arg[2], tonumber(arg[3]), arg[4]
	if not AudioEngine:set_backend("None (Dummy)", speed, "") then fail("no Dummy backend") end
	if load_session(dir, "ng") == nil then fail("cannot open the session in " .. dir) end
	say({{"event", "session"}, {"rate", Session:nominal_sample_rate()}, {"backend", AudioEngine:current_backend_name()}})
	local p = track("gen"):nth_plugin(0)
	if p:isnil() then fail("the reopened session has no plugin on gen") end
	local plug = p:to_insert():plugin(0)
	local seed = ARDOUR.LuaAPI.get_processor_param(p, param_index(plug, "Seed"), false)
	local key = ARDOUR.LuaAPI.get_processor_param(p, param_index(plug, "Key"), false)
	say({{"event", "controls"}, {"plugin", plug:name()}, {"seed", seed}, {"key", key}})
	local old = takes(track("rec"))
	for i, region in ipairs(old) do print_region(i, region) end
	local region, n = record(quarters)
	print_region(n, region)
else
	fail("usage: record.lua new DIR RATE BPM SEED KEY QUARTERS SPEED OUTPUTS | again DIR QUARTERS SPEED")
end
close_session()
