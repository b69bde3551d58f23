// Run once in every pooled sandbox, after the guards, the console and the helpers are installed: freezes every object
// a mapping can reach before it runs (the global object, the built-ins, their prototypes, functions and accessors,
// and the intrinsics only reachable through an instance, like the array iterator's prototype), so nothing one run
// does can be seen by the next run in the same engine. Each run evaluates the mapping in a scope of its own.
(() => {
  'use strict';
  const { freeze, getPrototypeOf, getOwnPropertyDescriptor, defineProperty } = Object;
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

  const seen = new Set();
  const todo = [globalThis, ...hidden];
  while (todo.length > 0) {
    const o = todo.pop();
    if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
    seen.add(o);
    todo.push(getPrototypeOf(o));
    for (const key of ownKeys(o)) {
      const d = getOwnPropertyDescriptor(o, key);
      if ('value' in d) todo.push(d.value);
      else todo.push(d.get, d.set);
    }
  }
  for (const o of seen) freeze(o);
})();
