// Run once in every pooled sandbox, after the guards, the console and the helpers are installed: prepares what a frozen
// world needs and returns where everything a mapping can reach is found (the global object, and instances of the
// intrinsics reachable only through one, like the array iterator's prototype). The sandbox then freezes all of it
// (MappingSandbox.FreezeAll), so nothing one run does can be seen by the next run in the same engine. Each run
// evaluates the mapping in a scope of its own.
(() => {
  'use strict';
  const { getOwnPropertyDescriptor, defineProperty } = Object;
  const { ownKeys } = Reflect;

  // RegExp's legacy statics (RegExp.$1, lastMatch, input…) hold the last match of the engine: a run could read the
  // previous event's text through them.
  for (const key of ownKeys(RegExp)) {
    if (typeof key === 'string' && /^(\$.|input|lastMatch|lastParen|leftContext|rightContext)$/.test(key)) delete RegExp[key];
  }

  // Assigning to a property that a frozen prototype holds fails (`o.toString = f` throws in strict code): for the
  // prototypes plain objects and errors inherit from, each data property becomes an accessor whose setter defines
  // the property on the object assigned to, as it would have been without the freeze.
  const errors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError];
  for (const proto of [Object.prototype, ...errors.map(e => e.prototype)]) {
    for (const key of ownKeys(proto)) {
      const d = getOwnPropertyDescriptor(proto, key);
      if (!('value' in d) || !d.writable) continue;
      const value = d.value;
      defineProperty(proto, key, {
        get() { return value; },
        set(v) {
          if (this === proto) throw new TypeError(`Cannot assign to read only property '${String(key)}'`);
          defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
        enumerable: d.enumerable,
        configurable: false,
      });
    }
  }

  const hidden = [
    [][Symbol.iterator](), new Map().entries(), new Set().values(), ''[Symbol.iterator](), /x/g[Symbol.matchAll](''),
    [].values().map(x => x), Iterator.from({ next() { return { done: true }; } }),
    function* () {}, async function () {}, async function* () {}, (function* () {})(), (async function* () {})(),
    Promise.resolve(),
  ];
  if (typeof Intl === 'object' && typeof Intl.Segmenter === 'function') {
    const segments = new Intl.Segmenter().segment('');
    hidden.push(segments, segments[Symbol.iterator]());
  }

  // The walk from these over every prototype and property, and the freeze, are the sandbox's (MappingSandbox.FreezeAll):
  // interpreted here they were most of the 60 ms a sandbox took to build.
  return [globalThis, ...hidden];
})();
