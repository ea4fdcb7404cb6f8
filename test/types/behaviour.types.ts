// Type tests of model behaviour: methods, computed properties, validators, hooks, repr and
// onUpdate. Compiled by `npm run typecheck`; never executed.
import { expectTypeOf } from 'expect-type'
import { c, defineModel, type EntityOf, type MethodsOf, type Session } from '../../src/index.ts'

const User = defineModel('User', {
  id: c.integer().primaryKey(),
  username: c.string(64).validate((value) => value.length >= 3 || 'is shorter than 3 characters'),
  fullName: c.string(100).nullable(),
  passwordHash: c.string(200).default(''),
  updatedAt: c.dateTime().default(() => new Date()).onUpdate(() => new Date())
}, {
  repr: 'username',
  methods: {
    async setPassword (password: string) {
      this.passwordHash = await Promise.resolve(password)
    },
    checkPassword (password: string): boolean {
      // `this` is the object: its columns and the other methods.
      expectTypeOf(this.updatedAt).toEqualTypeOf<Date>()
      return this.passwordHash === password && this.displayName !== ''
    },
    get displayName (): string {
      return this.fullName ?? this.username
    }
  },
  validate: (user) => user.displayName.length > 100 ? { fullName: 'is too long to display' } : undefined,
  hooks: {
    beforeInsert: async (user) => { await user.setPassword('x') },
    beforeUpdate (user) { user.updatedAt = new Date() },
    afterDelete (user) { expectTypeOf(user.id).toEqualTypeOf<number>() }
  }
})

// The methods and computed properties, as `MethodsOf`, on every object of the model.
expectTypeOf<MethodsOf<typeof User>>().toEqualTypeOf<{
  setPassword: (password: string) => Promise<void>
  checkPassword: (password: string) => boolean
  readonly displayName: string
}>()
type UserEntity = EntityOf<typeof User>
expectTypeOf<UserEntity['displayName']>().toEqualTypeOf<string>()
expectTypeOf<UserEntity['username']>().toEqualTypeOf<string>()
expectTypeOf<UserEntity['setPassword']>().returns.toEqualTypeOf<Promise<void>>()
// A model without methods adds nothing.
const Tag = defineModel('Tag', { id: c.integer().primaryKey(), name: c.string(50) })
expectTypeOf(Tag.name).toEqualTypeOf<'Tag'>()
expectTypeOf<MethodsOf<typeof Tag>>().toEqualTypeOf<unknown>()
expectTypeOf<EntityOf<typeof Tag>>().toEqualTypeOf<{ id: number, name: string }>()

// Objects from add, get, query and track carry them.
declare const session: Session
expectTypeOf(session.add(User, { username: 'ann' }).checkPassword).toEqualTypeOf<(password: string) => boolean>()
expectTypeOf(session.get(User, 1)).resolves.toEqualTypeOf<UserEntity | undefined>()
expectTypeOf(session.getOr404(User, 1)).resolves.toHaveProperty('setPassword')
expectTypeOf(session.query(User).all()).resolves.items.toHaveProperty('displayName')
expectTypeOf(session.query(User).filterBy({ username: 'ann' }).first()).resolves.toEqualTypeOf<UserEntity | undefined>()
expectTypeOf(session.track(User, [])).items.toHaveProperty('checkPassword')
// @ts-expect-error a getter without a setter is read-only
session.add(User, { username: 'ann' }).displayName = 'Ann'
// @ts-expect-error methods are not columns: filters take columns only
session.query(User).filterBy({ displayName: 'Ann' })

// Misuse is refused.
defineModel('Bad', { id: c.integer().primaryKey(), name: c.string(10) }, {
  methods: {
    shout (): string {
      // @ts-expect-error a method reads a property the model does not have
      return this.title
    }
  }
})
// @ts-expect-error a validator of the wrong value type
c.integer().validate((value: string) => value.length > 0)
// @ts-expect-error the value of a string column is a string
c.string(10).validate((value) => value.toFixed(2) !== '')
c.dateTime().nullable().validate((value) => {
  // Never called with null: the value is the column's type.
  expectTypeOf(value).toEqualTypeOf<Date>()
  return value.getTime() > 0
})
// @ts-expect-error an onUpdate value of the wrong type
c.dateTime().onUpdate(() => 'now')
// @ts-expect-error repr names a column of the model
defineModel('Bad', { id: c.integer().primaryKey() }, { repr: 'name' })
defineModel('Bad', { id: c.integer().primaryKey(), name: c.string(10) }, {
  // @ts-expect-error a model validator names columns of the model
  validate: () => ({ title: 'is wrong' })
})
defineModel('Bad', { id: c.integer().primaryKey() }, {
  hooks: {
    // @ts-expect-error a hook's object has the model's properties only
    beforeInsert (entity) { entity.name = 'x' }
  }
})
// A repr function receives the object, methods included.
defineModel('Fine', { id: c.integer().primaryKey() }, {
  methods: { get label (): string { return `#${this.id}` } },
  repr: (entity) => `<Fine ${entity.label}>`
})
