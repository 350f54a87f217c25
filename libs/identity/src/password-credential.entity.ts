import { OptionalProps, type Rel } from '@mikro-orm/core';
import { Entity, OneToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '#platform/ids/uuidv7.js';
import { User } from './user.entity.js';

/** A user's password, kept apart from the identity: a user may exist without one. */
@Entity({ tableName: 'password_credentials' })
export class PasswordCredential {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @OneToOne(() => User, { owner: true, unique: 'password_credentials_user_id_unique', deleteRule: 'cascade', updateRule: 'no action' })
  user!: Rel<User>;

  /** Argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash). */
  @Property({ type: 'string', length: 255 })
  hash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
